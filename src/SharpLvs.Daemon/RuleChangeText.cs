using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Daemon;

/// <summary>One line for the log per rule change, in ipvsadm's words.</summary>
internal static class RuleChangeText
{
    /// <summary>Up to this many commands in one request are logged one line each; more, as one summary line.</summary>
    public const int MaxLinesPerChange = 16;

    /// <summary>
    /// The log lines for one request: a line per command, or for a big <c>-R</c> one line of
    /// counts (110,000 lines for a 10,000-service restore cost more than the restore itself
    /// and drown the log).
    /// </summary>
    public static IEnumerable<string> Lines(IReadOnlyList<AdminCommand> commands)
    {
        if (commands.Count <= MaxLinesPerChange)
        {
            return commands.Select(Describe);
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            var what = Summary(command.Kind);
            counts[what] = counts.GetValueOrDefault(what) + 1;
        }

        return [$"{commands.Count} commands in one transaction: {string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}"))}"];
    }

    private static string Summary(AdminCommandKind kind) => kind switch
    {
        AdminCommandKind.AddService => "services added",
        AdminCommandKind.EditService => "services edited",
        AdminCommandKind.DeleteService => "services deleted",
        AdminCommandKind.Flush => "clear",
        AdminCommandKind.AddServer => "real servers added",
        AdminCommandKind.EditServer => "real servers edited",
        AdminCommandKind.DeleteServer => "real servers deleted",
        _ => kind.ToString(),
    };

    public static string Describe(AdminCommand command)
    {
        var service = Service(command.Service);
        var destination = $"{Endpoint(command.Destination.Address.ToString(), command.Destination.Address.IsIPv4, command.Destination.Port)}"
            + $" ({Forward(command.Destination.Forwarding)}, weight {command.Destination.Weight})";
        return command.Kind switch
        {
            AdminCommandKind.AddService => $"added {service} scheduler {command.Service.Scheduler}",
            AdminCommandKind.EditService => $"edited {service} scheduler {command.Service.Scheduler}",
            AdminCommandKind.DeleteService => $"deleted {service}",
            AdminCommandKind.Flush => "cleared every virtual service",
            AdminCommandKind.AddServer => $"added real server {destination} to {service}",
            AdminCommandKind.EditServer => $"edited real server {destination} of {service}",
            AdminCommandKind.DeleteServer => $"deleted real server {destination} from {service}",
            AdminCommandKind.AddMark or AdminCommandKind.DeleteMark when command.Mark is { } mark =>
                $"{(command.Kind == AdminCommandKind.AddMark ? "added" : "deleted")} mark {mark.Mark} for {Control.Listing.MarkListing.Selector(mark)}",
            AdminCommandKind.SetTunable when command.Tunable is { } tunable => $"set net.ipv4.vs.{tunable.Name} = {tunable.Value}",
            AdminCommandKind.AddLocalAddress => $"added local address {command.LocalAddress} to {service}",
            AdminCommandKind.DeleteLocalAddress => $"deleted local address {command.LocalAddress} from {service}",
            _ => $"{command.Kind} {service}",
        };
    }

    private static string Service(ServiceRule rule)
    {
        if (rule.IsFirewallMark)
        {
            return $"FWM {rule.Key.FirewallMark}";
        }

        var protocol = rule.Key.Protocol switch
        {
            IpProtocolNumbers.Tcp => "TCP",
            IpProtocolNumbers.Udp => "UDP",
            _ => rule.Key.Protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return $"{protocol} {Endpoint(rule.Key.Address.ToString(), rule.Key.Address.IsIPv4, rule.Key.Port)}";
    }

    private static string Endpoint(string address, bool isIPv4, ushort port) =>
        isIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";

    private static string Forward(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "Masq",
        ForwardingMethod.Local => "Local",
        ForwardingMethod.Tunnel => "Tunnel",
        ForwardingMethod.FullNat => "FullNat",
        _ => "Route",
    };
}
