namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-3" or "0,2-5"): how
/// many values a per-CPU map's lookup returns (the kernel copies one per possible CPU,
/// bpf_percpu_array_copy), which is not the online count nor this process's affinity.
/// </summary>
internal static class PossibleCpus
{
    public static int Count()
    {
        try
        {
            return Parse(File.ReadAllText("/sys/devices/system/cpu/possible"));
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }

    public static int Parse(string text)
    {
        var count = 0;
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            count += dash < 0 ? 1 : int.Parse(part[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture) - int.Parse(part[..dash], System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        return Math.Max(1, count);
    }
}
