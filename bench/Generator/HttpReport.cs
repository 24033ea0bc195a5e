using System.Globalization;
using System.Text;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// Turns the wrk runs bench/http.sh recorded into tables. Input: one run per line,
/// tab-separated: round, candidate, connections, mode ("keepalive" or "close"), requests/s,
/// latency p50 µs, latency p99 µs, errors. Ratios are medians of per-round ratios against
/// the same cell of the same round (TESTBED fact 9); also writes a gnuplot data file.
/// </summary>
internal static class HttpReport
{
    private const string Direct = "direct";
    private const string Haproxy = "haproxy";

    private sealed record Run(int Round, string Candidate, int Connections, string Mode, double Rps, double P50, double P99, long Errors)
    {
        public string Cell => Inv($"{Connections}:{Mode}");
    }

    public static string Build(string path, string title, string? chartData)
    {
        var runs = new List<Run>();
        var c = CultureInfo.InvariantCulture;
        foreach (var line in File.ReadAllLines(path))
        {
            var f = line.Split('\t');
            if (f.Length < 8 || line.StartsWith('#'))
            {
                continue;
            }

            runs.Add(new Run(int.Parse(f[0], c), f[1], int.Parse(f[2], c), f[3], double.Parse(f[4], c),
                double.Parse(f[5], c), double.Parse(f[6], c), long.Parse(f[7], c)));
        }

        var candidates = runs.Select(r => r.Candidate).Distinct().ToList();
        var cells = runs.Select(r => (r.Connections, r.Mode)).Distinct().ToList();
        var rounds = runs.Select(r => r.Round).Distinct().Count();
        var sb = new StringBuilder();
        sb.AppendLine(title);
        sb.AppendLine();
        sb.AppendLine(Inv($"Requests per second, medians of {rounds} interleaved rounds; `×direct` and `×haproxy` are medians of per-round ratios to the same cell. Targets: ≥ 0.95×direct at 50 connections, ≥ 0.90× at 1 connection keep-alive, ≥ 1.7×haproxy everywhere."));
        sb.AppendLine();
        sb.Append("| candidate |");
        foreach (var (conns, mode) in cells)
        {
            sb.Append(Inv($" {conns} conn {ModeLabel(mode)} req/s | ×direct | ×haproxy |"));
        }

        sb.AppendLine();
        sb.Append("|---|");
        sb.AppendLine(string.Concat(Enumerable.Repeat("---:|---:|---:|", cells.Count)));
        foreach (var candidate in candidates)
        {
            sb.Append(Inv($"| {Label(candidate)} |"));
            foreach (var (conns, mode) in cells)
            {
                sb.Append(Cell(Median(runs.Where(r => r.Candidate == candidate && r.Connections == conns && r.Mode == mode).Select(r => r.Rps)), "F0"));
                sb.Append(Cell(candidate == Direct ? null : Ratio(runs, candidate, Direct, conns, mode, r => r.Rps), "F2"));
                sb.Append(Cell(candidate == Haproxy ? null : Ratio(runs, candidate, Haproxy, conns, mode, r => r.Rps), "F2"));
            }

            sb.AppendLine();
        }

        sb.AppendLine();
        sb.AppendLine("Latency at 1 connection (wrk's distribution, medians over rounds; added = candidate − direct, per round):");
        sb.AppendLine();
        sb.AppendLine("| candidate | keep-alive p50 µs | p99 µs | added p50 µs | added p99 µs | close p50 µs | p99 µs | added p50 µs | added p99 µs | errors (all cells) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var candidate in candidates)
        {
            sb.Append(Inv($"| {Label(candidate)} |"));
            foreach (var mode in new[] { "keepalive", "close" })
            {
                var mine = runs.Where(r => r.Candidate == candidate && r.Connections == 1 && r.Mode == mode).ToList();
                sb.Append(Cell(Median(mine.Select(r => r.P50)), "F0"));
                sb.Append(Cell(Median(mine.Select(r => r.P99)), "F0"));
                sb.Append(Cell(candidate == Direct ? null : Added(runs, candidate, mode, r => r.P50), "F0"));
                sb.Append(Cell(candidate == Direct ? null : Added(runs, candidate, mode, r => r.P99), "F0"));
            }

            sb.Append(Inv($" {runs.Where(r => r.Candidate == candidate).Sum(r => r.Errors)} |"));
            sb.AppendLine();
        }

        if (chartData is not null)
        {
            // gnuplot: one row per candidate (direct excluded), one column per cell, ×direct.
            var data = new StringBuilder();
            data.Append("candidate");
            foreach (var (conns, mode) in cells)
            {
                data.Append(Inv($"\t\"{conns} conn {ModeLabel(mode)}\""));
            }

            data.AppendLine();
            foreach (var candidate in candidates.Where(x => x != Direct))
            {
                data.Append(Inv($"\"{ShortLabel(candidate)}\""));
                foreach (var (conns, mode) in cells)
                {
                    var ratio = Ratio(runs, candidate, Direct, conns, mode, r => r.Rps);
                    data.Append('\t').Append(ratio is { } v ? v.ToString("F3", c) : "0");
                }

                data.AppendLine();
            }

            File.WriteAllText(chartData, data.ToString());
        }

        return sb.ToString();
    }

    private static string ModeLabel(string mode) => mode == "close" ? "close" : "keep-alive";

    private static string Label(string candidate) => candidate switch
    {
        Direct => "direct to the real server",
        "kernel" => "kernel DR equivalent (nft netdev `fwd`)",
        "dnat" => "kernel NAT (nft DNAT)",
        Haproxy => "HAProxy, TCP mode, 1 thread",
        "lvsd" => "lvsd DR (-g)",
        "lvsd-nat" => "lvsd NAT (-m)",
        _ => candidate,
    };

    internal static string ShortLabel(string candidate) => candidate switch
    {
        "kernel" => "kernel fwd",
        "dnat" => "nft DNAT",
        Haproxy => "HAProxy TCP",
        "lvsd" => "lvsd DR",
        "lvsd-nat" => "lvsd NAT",
        _ => candidate,
    };

    private static double? Ratio(List<Run> runs, string candidate, string baseline, int conns, string mode, Func<Run, double> metric)
    {
        var ratios = new List<double>();
        foreach (var run in runs.Where(r => r.Candidate == candidate && r.Connections == conns && r.Mode == mode))
        {
            var peer = runs.FirstOrDefault(r => r.Candidate == baseline && r.Connections == conns && r.Mode == mode && r.Round == run.Round);
            if (peer is not null && metric(peer) > 0)
            {
                ratios.Add(metric(run) / metric(peer));
            }
        }

        return Median(ratios);
    }

    private static double? Added(List<Run> runs, string candidate, string mode, Func<Run, double> metric)
    {
        var deltas = new List<double>();
        foreach (var run in runs.Where(r => r.Candidate == candidate && r.Connections == 1 && r.Mode == mode))
        {
            var peer = runs.FirstOrDefault(r => r.Candidate == Direct && r.Connections == 1 && r.Mode == mode && r.Round == run.Round);
            if (peer is not null)
            {
                deltas.Add(metric(run) - metric(peer));
            }
        }

        return Median(deltas);
    }

    private static string Cell(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? " " + v.ToString(format, CultureInfo.InvariantCulture) + " |" : " – |";

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
