using System.Globalization;
using System.Text;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>How each field of a listing prints: names and address:port, masks, scheduler flags, large numbers, forwarding and tunnel columns.</summary>
public sealed partial class ListingFormatter
{
    private string ServiceName(ServiceRule rule, ListFormat format)
    {
        var key = rule.Key;
        var isRule = (format & ListFormat.Rule) != 0;
        if (key.FirewallMark != 0)
        {
            return (isRule, rule.IsIPv6) switch
            {
                (true, true) => $"-f {key.FirewallMark} -6",
                (true, false) => $"-f {key.FirewallMark}",
                (false, true) => $"FWM  {key.FirewallMark} IPv6",
                _ => $"FWM  {key.FirewallMark}",
            };
        }

        var address = AddressPort(key.Address, key.Port, key.Protocol, format);
        if (isRule)
        {
            var option = key.Protocol switch
            {
                IpProtocolNumbers.Tcp => "-t",
                IpProtocolNumbers.Udp => "-u",
                IpProtocolNumbers.Sctp => "--sctp-service",
                _ => "--xxx-service",
            };
            return $"{option} {address}";
        }

        var protocol = key.Protocol switch
        {
            IpProtocolNumbers.Tcp => "TCP",
            IpProtocolNumbers.Udp => "UDP",
            IpProtocolNumbers.Sctp => "SCTP",
            _ => "?",
        };
        var name = $"{protocol,-4} {address}";
        return rule.IsIPv6 ? name : Cut(name, 33);
    }

    /// <summary>addrport_to_anyname: "addr:port", IPv6 in brackets, names unless -n; at most 59 characters.</summary>
    private string AddressPort(InetAddress address, ushort port, byte protocol, ListFormat format)
    {
        string host, service;
        if ((format & ListFormat.Numeric) != 0)
        {
            host = address.ToString();
            service = port.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            host = _names.GetHostName(address) ?? address.ToString();
            service = _names.GetServiceName(port, protocol) ?? port.ToString(CultureInfo.InvariantCulture);
        }

        var text = address.IsIPv4 ? $"{host}:{service}" : $"[{host}]:{service}";
        return Cut(text, 59);
    }

    private static void AppendMask(StringBuilder text, ServiceRule rule, string label)
    {
        if (!rule.IsIPv6 && rule.Netmask != ServiceRule.HostMaskV4)
        {
            text.Append(label).Append(InetAddress.FromV4(rule.Netmask).ToString());
        }
        else if (rule.IsIPv6 && rule.Netmask != ServiceRule.HostPrefixV6)
        {
            text.Append(label).Append(rule.Netmask.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>print_sched_flags: sh and mh name their two flags; other schedulers say flag-N.</summary>
    private static string SchedulerFlags(ServiceRule rule)
    {
        var names = rule.Scheduler switch
        {
            "sh" => new[] { "sh-fallback", "sh-port", null },
            "mh" => ["mh-fallback", "mh-port", null],
            _ => ["flag-1", "flag-2", "flag-3"],
        };
        ReadOnlySpan<ServiceRuleFlags> bits = [ServiceRuleFlags.Scheduler1, ServiceRuleFlags.Scheduler2, ServiceRuleFlags.Scheduler3];
        var parts = new List<string>(3);
        for (var i = 0; i < bits.Length; i++)
        {
            if ((rule.Flags & bits[i]) != 0 && names[i] is { } flagName)
            {
                parts.Add(flagName);
            }
        }

        return string.Join(',', parts);
    }

    /// <summary>print_largenum: %9llu below 10^8, then K, M, G, T with %8llu; --exact prints every digit.</summary>
    internal static void AppendLargeNumbers(StringBuilder text, ListFormat format, params ReadOnlySpan<ulong> values)
    {
        foreach (var value in values)
        {
            var digits = value.ToString(CultureInfo.InvariantCulture);
            if ((format & ListFormat.Exact) != 0)
            {
                text.Append(digits.PadLeft(digits.Length <= 8 ? 9 : digits.Length + 1));
            }
            else if (value < 100_000_000UL)
            {
                text.Append(digits.PadLeft(9));
            }
            else if (value < 1_000_000_000UL)
            {
                text.Append(Scaled(value / 1_000UL)).Append('K');
            }
            else if (value < 100_000_000_000UL)
            {
                text.Append(Scaled(value / 1_000_000UL)).Append('M');
            }
            else if (value < 100_000_000_000_000UL)
            {
                text.Append(Scaled(value / 1_000_000_000UL)).Append('G');
            }
            else
            {
                text.Append(Scaled(value / 1_000_000_000_000UL)).Append('T');
            }
        }

        static string Scaled(ulong value) => value.ToString(CultureInfo.InvariantCulture).PadLeft(8);
    }

    private static string ForwardingName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "Masq",
        ForwardingMethod.Local => "Local",
        ForwardingMethod.Tunnel => "Tunnel",
        ForwardingMethod.DirectRouting => "Route",
        ForwardingMethod.FullNat => "FullNat",
        _ => "",
    };

    private static string ForwardingSwitch(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "-m",
        ForwardingMethod.Tunnel => "-i",
        ForwardingMethod.FullNat => "--fullnat",
        _ => "-g",
    };

    /// <summary>fwd_tun_info: "ipip", "gue:PORT:FLAGS", "gre:FLAGS", or "n/a" for non-tunnel servers.</summary>
    private static string TunnelInfo(DestinationRule d)
    {
        if (d.Forwarding != ForwardingMethod.Tunnel)
        {
            return "n/a";
        }

        var info = d.TunnelType switch
        {
            TunnelType.IpIp => "ipip",
            TunnelType.Gue => $"gue:{d.TunnelPort}:{ChecksumFlag(d.TunnelFlags)}",
            _ => $"gre:{ChecksumFlag(d.TunnelFlags)}",
        };
        return Cut(info, 15);
    }

    private static string ChecksumFlag(TunnelFlags flags) =>
        (flags & TunnelFlags.RemoteChecksum) != 0 ? "r+c" : (flags & TunnelFlags.Checksum) != 0 ? "+c" : "-c";

    private static string ChecksumOption(TunnelFlags flags) =>
        (flags & TunnelFlags.RemoteChecksum) != 0 ? "--tun-remcsum" : (flags & TunnelFlags.Checksum) != 0 ? "--tun-csum" : "--tun-nocsum";

    private static string Cut(string text, int length) => text.Length > length ? text[..length] : text;
}
