using System.Globalization;
using System.Text;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>
/// ipvsadm 1.31's listing and save output, byte for byte (ipvsadm.c list_all, print_title,
/// print_service_entry): the same printf widths, the same truncation of IPv4 names (33
/// characters for a service, 28 for a real server), the same trailing spaces.
/// </summary>
public sealed partial class ListingFormatter
{
    private readonly INameService _names;

    public ListingFormatter(INameService names)
    {
        _names = names;
    }

    /// <summary>list_all: the header (not for -S), the column titles, then every service.</summary>
    public string FormatAll(ListingData data, ListFormat format)
    {
        ArgumentNullException.ThrowIfNull(data);
        var text = new StringBuilder();
        if ((format & ListFormat.Rule) == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"IP Virtual Server version {data.Version} (size={data.ConnectionTableSize})\n");
        }

        var services = data.Services.ToArray();
        if ((format & ListFormat.NoSort) == 0)
        {
            IpvsSortOrder.Sort(services, IpvsSortOrder.CompareServices);
        }

        AppendTitle(text, format);
        foreach (var service in services)
        {
            AppendService(text, service, format);
        }

        return text.ToString();
    }

    /// <summary>list_service (<c>-L -t VIP:port</c>): titles and that one service, no header.</summary>
    public string FormatService(ServiceView service, ListFormat format)
    {
        var text = new StringBuilder();
        AppendTitle(text, format);
        AppendService(text, service, format);
        return text.ToString();
    }

    /// <summary>list_timeout.</summary>
    public static string FormatTimeouts(ConnectionTimeouts timeouts)
    {
        ArgumentNullException.ThrowIfNull(timeouts);
        return string.Create(CultureInfo.InvariantCulture, $"Timeout (tcp tcpfin udp): {timeouts.Tcp} {timeouts.TcpFin} {timeouts.Udp}\n");
    }

    private static void AppendTitle(StringBuilder text, ListFormat format)
    {
        const string local = "Prot LocalAddress:Port";
        if ((format & ListFormat.Stats) != 0)
        {
            text.Append(Columns(local, "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
        }
        else if ((format & ListFormat.Rate) != 0)
        {
            text.Append(Columns(local, "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
        }
        else if ((format & ListFormat.Thresholds) != 0)
        {
            text.Append($"{local,-33} {"Uthreshold",-10} {"Lthreshold",-10} {"ActiveConn",-10} {"InActConn",-10}\n  -> RemoteAddress:Port\n");
        }
        else if ((format & ListFormat.PersistentConn) != 0)
        {
            text.Append($"{local,-33} {"Weight",-9} {"PersistConn",-11} {"ActiveConn",-10} {"InActConn",-10}\n  -> RemoteAddress:Port\n");
        }
        else if ((format & ListFormat.TunnelInfo) != 0)
        {
            text.Append("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
        }
        else if ((format & ListFormat.Rule) == 0)
        {
            text.Append("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }

        static string Columns(string first, string a, string b, string c, string d, string e) =>
            $"{first,-33} {a,8} {b,8} {c,8} {d,8} {e,8}\n  -> RemoteAddress:Port\n";
    }

    private void AppendService(StringBuilder text, ServiceView view, ListFormat format)
    {
        var rule = view.Rule;
        var isRule = (format & ListFormat.Rule) != 0;
        var name = ServiceName(rule, format);
        var flags = rule.Flags;
        if (isRule)
        {
            text.Append(CultureInfo.InvariantCulture, $"-A {name} -s {rule.Scheduler}");
            if ((flags & ServiceRuleFlags.Persistent) != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" -p {rule.Timeout}");
                AppendMask(text, rule, " -M ");
            }

            if (rule.PersistenceEngine.Length != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" --pe {rule.PersistenceEngine}");
            }

            if ((flags & ServiceRuleFlags.OnePacket) != 0)
            {
                text.Append(" -o");
            }

            if ((flags & ServiceRuleFlags.SchedulerFlags) != 0)
            {
                text.Append(" -b ").Append(SchedulerFlags(rule));
            }
        }
        else if ((format & (ListFormat.Stats | ListFormat.Rate)) != 0)
        {
            text.Append($"{name,-33}");
            var s = view.Stats;
            if ((format & ListFormat.Stats) != 0)
            {
                AppendLargeNumbers(text, format, s.Connections, s.InPackets, s.OutPackets, s.InBytes, s.OutBytes);
            }
            else
            {
                AppendLargeNumbers(
                    text, format, s.ConnectionsPerSecond, s.InPacketsPerSecond, s.OutPacketsPerSecond, s.InBytesPerSecond, s.OutBytesPerSecond);
            }
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"{name} {rule.Scheduler}");
            if ((flags & ServiceRuleFlags.SchedulerFlags) != 0)
            {
                text.Append(" (").Append(SchedulerFlags(rule)).Append(')');
            }

            if ((flags & ServiceRuleFlags.Persistent) != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" persistent {rule.Timeout}");
                AppendMask(text, rule, " mask ");
                if (rule.PersistenceEngine.Length != 0)
                {
                    text.Append(" pe ").Append(rule.PersistenceEngine);
                }
            }

            if ((flags & ServiceRuleFlags.OnePacket) != 0)
            {
                text.Append(" ops");
            }
        }

        text.Append('\n');

        var destinations = view.Destinations.ToArray();
        if ((format & ListFormat.NoSort) == 0)
        {
            IpvsSortOrder.Sort(destinations, IpvsSortOrder.CompareDestinations);
        }

        foreach (var destination in destinations)
        {
            AppendDestination(text, name, rule, destination, format);
        }

        // -S: FULLNAT local addresses as DPVS's ipvsadm adds them, so -R restores them too.
        if ((format & ListFormat.Rule) != 0)
        {
            foreach (var local in view.LocalAddresses)
            {
                text.Append(CultureInfo.InvariantCulture, $"-P {name} -z {local.Address}\n");
            }
        }
    }

    private void AppendDestination(StringBuilder text, string serviceName, ServiceRule service, DestinationView view, ListFormat format)
    {
        var d = view.Rule;
        var name = AddressPort(d.Address, d.Port, service.Key.Protocol, format);
        if ((format & ListFormat.Rule) == 0 && d.Address.IsIPv4)
        {
            name = Cut(name, 28);
        }

        if ((format & ListFormat.Rule) != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"-a {serviceName} -r {name} {ForwardingSwitch(d.Forwarding)} -w {d.Weight}");
            if (d.Forwarding == ForwardingMethod.Tunnel)
            {
                text.Append(" --tun-type ").Append(OptionTable.TunnelTypeName(d.TunnelType));
                if (d.TunnelType == TunnelType.Gue)
                {
                    text.Append(CultureInfo.InvariantCulture, $" --tun-port {d.TunnelPort}");
                }

                if (d.TunnelType != TunnelType.IpIp)
                {
                    text.Append(' ').Append(ChecksumOption(d.TunnelFlags));
                }
            }

            text.Append('\n');
        }
        else if ((format & ListFormat.Stats) != 0)
        {
            var s = view.Stats;
            text.Append($"  -> {name,-28}");
            AppendLargeNumbers(text, format, s.Connections, s.InPackets, s.OutPackets, s.InBytes, s.OutBytes);
            text.Append('\n');
        }
        else if ((format & ListFormat.Rate) != 0)
        {
            var s = view.Stats;
            text.Append(CultureInfo.InvariantCulture, $"  -> {name,-28} {s.ConnectionsPerSecond,8} {s.InPacketsPerSecond,8} {s.OutPacketsPerSecond,8}");
            AppendLargeNumbers(text, format, s.InBytesPerSecond, s.OutBytesPerSecond);
            text.Append('\n');
        }
        else if ((format & ListFormat.Thresholds) != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  -> {name,-28} {d.UpperThreshold,-10} {d.LowerThreshold,-10} {view.ActiveConnections,-10} {view.InactiveConnections,-10}\n");
        }
        else if ((format & ListFormat.PersistentConn) != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  -> {name,-28} {d.Weight,-9} {view.PersistentConnections,-11} {view.ActiveConnections,-10} {view.InactiveConnections,-10}\n");
        }
        else if ((format & ListFormat.TunnelInfo) != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  -> {name,-28} {ForwardingName(d.Forwarding),-7} {TunnelInfo(d),-13} {d.Weight,-6} {view.ActiveConnections,-10} {view.InactiveConnections,-10}\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"  -> {name,-28} {ForwardingName(d.Forwarding),-7} {d.Weight,-6} {view.ActiveConnections,-10} {view.InactiveConnections,-10}\n");
        }
    }
}
