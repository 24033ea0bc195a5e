using System.Globalization;
using System.Text;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Listing;

/// <summary>
/// How lvsadm prints firewall-mark rules: as the <c>--add-mark</c> lines that recreate them
/// (in <c>-S</c> output, ahead of the services, so that <c>-R</c> restores them too) and as
/// the <c>--list-marks</c> table.
/// </summary>
public static class MarkListing
{
    /// <summary><c>-t 198.18.0.0/24:80-443</c>, <c>-u [fd00::10]:53</c>: the selector as it is typed.</summary>
    public static string Selector(FirewallMarkRule rule)
    {
        var text = new StringBuilder();
        text.Append(rule.Protocol == IpProtocolNumbers.Udp ? "-u " : "-t ");
        text.Append(rule.IsIPv6 ? $"[{rule.Network}]" : rule.Network.ToString());
        if (rule.PrefixLength != (rule.IsIPv6 ? 128 : 32))
        {
            text.Append(CultureInfo.InvariantCulture, $"/{rule.PrefixLength}");
        }

        if (rule.FirstPort != 0 || rule.LastPort != ushort.MaxValue)
        {
            text.Append(CultureInfo.InvariantCulture, $":{rule.FirstPort}");
            if (rule.LastPort != rule.FirstPort)
            {
                text.Append(CultureInfo.InvariantCulture, $"-{rule.LastPort}");
            }
        }

        return text.ToString();
    }

    /// <summary>One <c>--add-mark</c> line per rule, in order.</summary>
    public static string Save(IReadOnlyList<FirewallMarkRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var text = new StringBuilder();
        foreach (var rule in rules)
        {
            text.Append(CultureInfo.InvariantCulture, $"--add-mark {rule.Mark} {Selector(rule)}\n");
        }

        return text.ToString();
    }

    /// <summary><c>--list-marks</c>: a header, then mark, protocol and selector per rule, in the order they are tried.</summary>
    public static string List(IReadOnlyList<FirewallMarkRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var text = new StringBuilder("FWMark     Prot Destination\n");
        foreach (var rule in rules)
        {
            var selector = Selector(rule)[3..];
            text.Append(CultureInfo.InvariantCulture, $"{rule.Mark,-10} {(rule.Protocol == IpProtocolNumbers.Udp ? "UDP" : "TCP"),-4} {selector}\n");
        }

        return text.ToString();
    }

    /// <summary><c>--list-tunables</c>: <c>name = value</c>, as sysctl prints them.</summary>
    public static string Tunables(IReadOnlyList<Ipvsadm.TunableSetting> tunables)
    {
        ArgumentNullException.ThrowIfNull(tunables);
        var text = new StringBuilder();
        foreach (var tunable in tunables)
        {
            text.Append(CultureInfo.InvariantCulture, $"net.ipv4.vs.{tunable.Name} = {tunable.Value}\n");
        }

        return text.ToString();
    }
}
