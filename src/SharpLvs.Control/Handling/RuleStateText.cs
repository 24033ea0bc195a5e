using System.Globalization;
using System.Text;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;
using SharpLvs.Control.Rules;
using SharpLvs.Packets;

namespace SharpLvs.Control.Handling;

/// <summary>
/// lvsd's state file: the rules as <c>lvsadm -Sn</c> prints them (firewall-mark rules, then
/// services; destinations with their -x/-y, which ipvsadm's -S leaves out), then a
/// <c>--set</c> line for the timeouts and a <c>--tunable</c> line per tunable that is not at
/// its default, after two comment lines. It is read back exactly as <c>lvsadm -R</c>
/// reads its input, so anything that survives <c>-S | -R</c> (including options other
/// engineers add to lvsadm, once -S prints them) survives a restart, and an administrator can
/// read, diff or hand-edit the file with ipvsadm's syntax.
/// </summary>
public static class RuleStateText
{
    public const string Header = "# lvsd rules (lvsadm -Sn syntax); restored when lvsd starts\n";

    /// <summary>The file's text for <paramref name="rules"/>.</summary>
    public static string Write(RuleSetView rules, string? extraHeader = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var services = new ServiceView[rules.Services.Count];
        for (var i = 0; i < services.Length; i++)
        {
            var entry = rules.Services[i];
            var destinations = new DestinationView[entry.Destinations.Count];
            for (var j = 0; j < destinations.Length; j++)
            {
                // Oldest first: each -a goes to the head of the list, as in the kernel, so
                // restoring in this order rebuilds the list exactly.
                destinations[j] = new DestinationView(entry.Destinations[destinations.Length - 1 - j], 0, 0, 0, ListingStats.Zero);
            }

            services[i] = new ServiceView(entry.Service, ListingStats.Zero, destinations);
        }

        var text = new StringBuilder(Header);
        if (extraHeader is not null)
        {
            text.Append("# ").Append(extraHeader.ReplaceLineEndings(" ")).Append('\n');
        }

        // --nosort: the file keeps the services' insertion order and the destination lists'
        // order, so that schedulers such as rr walk the same lists after a restart.
        // Marks first, as -S prints them, so the fwmark services' classifier exists before them.
        text.Append(MarkListing.Save(rules.Marks));
        var saved = new ListingFormatter(NumericNames.Instance).FormatAll(new ListingData(services), ListFormat.Numeric | ListFormat.Rule | ListFormat.NoSort);
        AppendWithThresholds(text, saved, services);
        var t = rules.Timeouts;
        text.Append(CultureInfo.InvariantCulture, $"--set {t.Tcp} {t.TcpFin} {t.Udp}\n");
        foreach (var name in Core.Services.IpvsTunables.Names)
        {
            if (rules.Tunables.TryGet(name, out var value) &&
                (!Core.Services.IpvsTunables.Default.TryGet(name, out var standard) || value != standard))
            {
                text.Append(CultureInfo.InvariantCulture, $"--tunable {name} {value}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// ipvsadm -S leaves out -x/-y; the state file must not lose them, so the k-th "-a" line
    /// of the save text (the k-th destination, in the order given) gets them appended.
    /// </summary>
    private static void AppendWithThresholds(StringBuilder text, string saved, ServiceView[] services)
    {
        var destinations = services.SelectMany(s => s.Destinations).Select(d => d.Rule).GetEnumerator();
        foreach (var line in saved.AsSpan().EnumerateLines())
        {
            if (line.IsEmpty)
            {
                continue;
            }

            text.Append(line);
            if (line.StartsWith("-a ", StringComparison.Ordinal) && destinations.MoveNext())
            {
                var d = destinations.Current;
                if (d.UpperThreshold != 0 || d.LowerThreshold != 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $" -x {d.UpperThreshold} -y {d.LowerThreshold}");
                }
            }

            text.Append('\n');
        }
    }

    /// <summary>
    /// Applies a state file's text to <paramref name="handler"/> as one transaction. Returns
    /// null on success, else what was wrong (with the line number); nothing is applied then.
    /// </summary>
    public static string? Restore(RuleSetHandler handler, string text)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var parser = new CommandLineParser(NumericNames.Instance, Lvsadm.ProgramName);
        using var reader = new StringReader(text ?? "");
        var (script, failure, failedLine) = RestoreReader.Read(parser, reader, Lvsadm.ProgramName);
        if (script is null)
        {
            return $"line {failedLine}: {failure!.Stderr.TrimEnd()}";
        }

        if (script.Commands.Count == 0)
        {
            return null;
        }

        var response = handler.Handle(new ControlRequest(script.Commands));
        if (response.ExitCode == ExitCodes.Success)
        {
            return null;
        }

        var line = response.FailedCommand is { } i && i >= 0 && i < script.Lines.Count ? script.Lines[i] : 0;
        return $"line {line}: {response.Error}";
    }
}
