namespace SharpLvs.Linux.RealServerSide;

/// <summary>Reads and writes /proc/sys keys ("net/ipv4/conf/all/arp_ignore") of the caller's network namespace.</summary>
public static class Sysctl
{
    public const string Root = "/proc/sys/";

    /// <summary>The key's value (trimmed), or null when the key does not exist.</summary>
    public static string? Read(string key)
    {
        var path = Root + key;
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    public static void Write(string key, string value)
    {
        try
        {
            File.WriteAllText(Root + key, value + "\n");
        }
        catch (IOException e)
        {
            throw new LinuxException($"cannot write {value} to {Root}{key}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LinuxException($"cannot write {value} to {Root}{key}: {e.Message}", e);
        }
    }
}
