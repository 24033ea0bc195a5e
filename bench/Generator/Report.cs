using System.Globalization;
using System.Text;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// Turns the raw runs written by bench/dr.sh into the benchmark table. Input: one run per
/// line, tab-separated: round, candidate, load ("fixed" or "sat"), sent, send seconds,
/// delivered, director CPU seconds (CPU 1's irq+softirq plus lvsd's process time), all of
/// CPU 1's busy seconds. Costs and rates are medians over rounds; ratios
/// are medians of per-round ratios, because runs of one round sit close in time and the
/// machine drifts between rounds (TESTBED fact 9).
/// </summary>
internal static class Report
{
    public const string Kernel = "kernel";
    public const string NoDirector = "none";
    public const string Dnat = "dnat";

    /// <summary>What a candidate's ×kernel ratio compares with: the kernel doing the same job.</summary>
    private static string Baseline(string candidate) => candidate == "lvsd-nat" ? Dnat : Kernel;

    private sealed record Run(int Round, string Candidate, string Load, long Sent, double Seconds,
        long Forwarded, double BusySeconds, double AllBusySeconds)
    {
        public double ForwardedPps => Forwarded / Seconds;

        public double MicrosPerPacket => Forwarded > 0 ? BusySeconds * 1e6 / Forwarded : double.NaN;

        public double AllMicrosPerPacket => Forwarded > 0 ? AllBusySeconds * 1e6 / Forwarded : double.NaN;

        public double CapacityMpps => BusySeconds > 0 ? Forwarded / BusySeconds / 1e6 : double.NaN;

        public double LossPercent => Sent > 0 ? 100.0 * (Sent - Forwarded) / Sent : double.NaN;
    }

    public static string Build(string path, string title)
    {
        var runs = new List<Run>();
        foreach (var line in File.ReadAllLines(path))
        {
            var f = line.Split('\t');
            if (f.Length < 8 || line.StartsWith('#'))
            {
                continue;
            }

            var c = CultureInfo.InvariantCulture;
            runs.Add(new Run(int.Parse(f[0], c), f[1], f[2], long.Parse(f[3], c), double.Parse(f[4], c),
                long.Parse(f[5], c), double.Parse(f[6], c), double.Parse(f[7], c)));
        }

        var candidates = runs.Select(r => r.Candidate).Distinct().ToList();
        var rounds = runs.Select(r => r.Round).Distinct().Count();
        var sb = new StringBuilder();
        sb.AppendLine(title);
        sb.AppendLine();
        sb.AppendLine(Inv($"Medians of {rounds} interleaved rounds. **cost** = the CPU 1 time the traffic added (CPU 1 busy during the run: wall time minus the kernel's NO_HZ idle time, which stops at every interrupt, minus the background measured just before it), per packet delivered to the real server: RPS steers the director's ingress there and lvsd is pinned there, so it is softirq, lvsd and its syscalls, each counted once; **CPU 1 all** is CPU 1 busy time, other machine load included. **capacity** = 1 / cost at saturation. Ratios are medians of per-round ratios: `×kernel` < 1 is cheaper than the kernel (lvsd NAT is compared with the kernel's nft DNAT, everything else with nft `fwd`); `×none` is the share of the no-director rate."));
        sb.AppendLine();
        sb.AppendLine("| candidate | cost µs/pkt @fixed | ×kernel | CPU 1 all µs/pkt | delivered kpps @fixed | loss @fixed | cost µs/pkt @sat | ×kernel | capacity Mpps | delivered Mpps @sat | ×none | loss @sat |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var candidate in candidates)
        {
            var isNone = candidate == NoDirector;
            sb.Append(Inv($"| {Label(candidate)} |"));
            sb.Append(Cell(isNone ? null : Median(runs, candidate, "fixed", r => r.MicrosPerPacket), "F2"));
            sb.Append(Cell(isNone ? null : RatioMedian(runs, candidate, Baseline(candidate), "fixed", r => r.MicrosPerPacket), "F2"));
            sb.Append(Cell(isNone ? null : Median(runs, candidate, "fixed", r => r.AllMicrosPerPacket), "F2"));
            sb.Append(Cell(Median(runs, candidate, "fixed", r => r.ForwardedPps / 1e3), "F1"));
            sb.Append(Cell(Median(runs, candidate, "fixed", r => r.LossPercent), "F2", "%"));
            sb.Append(Cell(isNone ? null : Median(runs, candidate, "sat", r => r.MicrosPerPacket), "F2"));
            sb.Append(Cell(isNone ? null : RatioMedian(runs, candidate, Baseline(candidate), "sat", r => r.MicrosPerPacket), "F2"));
            sb.Append(Cell(isNone ? null : Median(runs, candidate, "sat", r => r.CapacityMpps), "F2"));
            sb.Append(Cell(Median(runs, candidate, "sat", r => r.ForwardedPps / 1e6), "F3"));
            sb.Append(Cell(RatioMedian(runs, candidate, NoDirector, "sat", r => r.ForwardedPps), "F2"));
            sb.Append(Cell(Median(runs, candidate, "sat", r => r.LossPercent), "F1", "%"));
            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static string Label(string candidate) => candidate switch
    {
        NoDirector => "no director (generator → real server)",
        Kernel => "kernel in-path (nft netdev `fwd`)",
        "lvsd" => "lvsd (DR)",
        Dnat => "kernel NAT (nft DNAT, conntrack)",
        "lvsd-nat" => "lvsd (NAT, -m)",
        "lvsd-poll" => "lvsd (DR), coalescing off",
        "lvsd-tun" => "lvsd (TUN, -i, IP-in-IP)",
        "lvsd-alt" => "lvsd (DR), alternative build or flags",
        _ => candidate,
    };

    private static string Cell(double? value, string format, string suffix = "") =>
        value is { } v && !double.IsNaN(v) ? " " + v.ToString(format, CultureInfo.InvariantCulture) + suffix + " |" : " – |";

    private static double? Median(List<Run> runs, string candidate, string load, Func<Run, double> metric) =>
        Median(runs.Where(r => r.Candidate == candidate && r.Load == load).Select(metric));

    private static double? RatioMedian(List<Run> runs, string candidate, string baseline, string load,
        Func<Run, double> metric)
    {
        var ratios = new List<double>();
        foreach (var run in runs.Where(r => r.Candidate == candidate && r.Load == load))
        {
            var peer = runs.FirstOrDefault(r => r.Candidate == baseline && r.Load == load && r.Round == run.Round);
            if (peer is not null)
            {
                ratios.Add(metric(run) / metric(peer));
            }
        }

        return Median(ratios);
    }

    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
