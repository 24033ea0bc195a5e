using System.Text;
using System.Text.Json;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>
/// <c>lvsadm -L --json</c>: the whole table for scripts and monitoring, always numeric, in
/// ipvsadm's sort order (unless --nosort). The schema is documented in README.md ("lvsadm -L
/// --json"); fields are only ever added, never renamed.
/// </summary>
public static class JsonListing
{
    public const int SchemaVersion = 1;

    /// <summary>Writes the listing (and the connection entries when given, for <c>-c</c>) as indented JSON with a final newline.</summary>
    public static string Format(ListingData data, IReadOnlyList<ConnectionView>? connections, ListFormat format)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", SchemaVersion);
            json.WriteString("version", data.Version);
            json.WriteNumber("connectionTableSize", data.ConnectionTableSize);
            json.WriteStartArray("services");
            var services = data.Services.ToArray();
            if ((format & ListFormat.NoSort) == 0)
            {
                IpvsSortOrder.Sort(services, IpvsSortOrder.CompareServices);
            }

            foreach (var service in services)
            {
                WriteService(json, service, format);
            }

            json.WriteEndArray();
            if (connections is not null)
            {
                json.WriteStartArray("connections");
                foreach (var c in connections)
                {
                    WriteConnection(json, c);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteService(Utf8JsonWriter json, ServiceView view, ListFormat format)
    {
        var rule = view.Rule;
        var key = rule.Key;
        json.WriteStartObject();
        json.WriteString("family", rule.IsIPv6 ? "inet6" : "inet");
        if (rule.IsFirewallMark)
        {
            json.WriteNull("protocol");
            json.WriteNull("address");
            json.WriteNull("port");
            json.WriteNumber("fwmark", key.FirewallMark);
        }
        else
        {
            json.WriteString("protocol", ProtocolName(key.Protocol));
            json.WriteString("address", key.Address.ToString());
            json.WriteNumber("port", key.Port);
            json.WriteNull("fwmark");
        }

        json.WriteString("scheduler", rule.Scheduler);
        json.WriteStartArray("schedulerFlags");
        ReadOnlySpan<ServiceRuleFlags> bits = [ServiceRuleFlags.Scheduler1, ServiceRuleFlags.Scheduler2, ServiceRuleFlags.Scheduler3];
        for (var i = 0; i < bits.Length; i++)
        {
            if ((rule.Flags & bits[i]) != 0)
            {
                json.WriteStringValue($"flag-{i + 1}");
            }
        }

        json.WriteEndArray();
        if ((rule.Flags & ServiceRuleFlags.Persistent) != 0)
        {
            json.WriteStartObject("persistence");
            json.WriteNumber("timeout", rule.Timeout);
            if (rule.IsIPv6)
            {
                json.WriteNumber("prefixLength", rule.Netmask);
            }
            else
            {
                json.WriteString("netmask", InetAddress.FromV4(rule.Netmask).ToString());
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("persistence");
        }

        json.WriteString("pe", rule.PersistenceEngine);
        json.WriteBoolean("onePacket", (rule.Flags & ServiceRuleFlags.OnePacket) != 0);
        WriteStats(json, view.Stats);
        json.WriteStartArray("realServers");
        var destinations = view.Destinations.ToArray();
        if ((format & ListFormat.NoSort) == 0)
        {
            IpvsSortOrder.Sort(destinations, IpvsSortOrder.CompareDestinations);
        }

        foreach (var d in destinations)
        {
            WriteDestination(json, d);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteDestination(Utf8JsonWriter json, DestinationView view)
    {
        var d = view.Rule;
        json.WriteStartObject();
        json.WriteString("address", d.Address.ToString());
        json.WriteNumber("port", d.Port);
        json.WriteString("forward", d.Forwarding switch
        {
            ForwardingMethod.Masquerade => "masq",
            ForwardingMethod.Local => "local",
            ForwardingMethod.Tunnel => "tunnel",
            ForwardingMethod.FullNat => "fullnat",
            _ => "route",
        });
        json.WriteNumber("weight", d.Weight);
        json.WriteNumber("upperThreshold", d.UpperThreshold);
        json.WriteNumber("lowerThreshold", d.LowerThreshold);
        json.WriteNumber("activeConnections", view.ActiveConnections);
        json.WriteNumber("inactiveConnections", view.InactiveConnections);
        json.WriteNumber("persistentConnections", view.PersistentConnections);
        if (d.Forwarding == ForwardingMethod.Tunnel)
        {
            json.WriteStartObject("tunnel");
            json.WriteString("type", OptionTable.TunnelTypeName(d.TunnelType));
            json.WriteNumber("port", d.TunnelPort);
            json.WriteString("checksum", (d.TunnelFlags & TunnelFlags.RemoteChecksum) != 0 ? "remote" : (d.TunnelFlags & TunnelFlags.Checksum) != 0 ? "on" : "off");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("tunnel");
        }

        WriteStats(json, view.Stats);
        json.WriteEndObject();
    }

    private static void WriteStats(Utf8JsonWriter json, ListingStats s)
    {
        json.WriteStartObject("stats");
        json.WriteNumber("connections", s.Connections);
        json.WriteNumber("inPackets", s.InPackets);
        json.WriteNumber("outPackets", s.OutPackets);
        json.WriteNumber("inBytes", s.InBytes);
        json.WriteNumber("outBytes", s.OutBytes);
        json.WriteEndObject();
        json.WriteStartObject("rates");
        json.WriteNumber("connectionsPerSecond", s.ConnectionsPerSecond);
        json.WriteNumber("inPacketsPerSecond", s.InPacketsPerSecond);
        json.WriteNumber("outPacketsPerSecond", s.OutPacketsPerSecond);
        json.WriteNumber("inBytesPerSecond", s.InBytesPerSecond);
        json.WriteNumber("outBytesPerSecond", s.OutBytesPerSecond);
        json.WriteEndObject();
    }

    private static void WriteConnection(Utf8JsonWriter json, ConnectionView c)
    {
        json.WriteStartObject();
        json.WriteString("protocol", c.Protocol);
        json.WriteString("state", c.State);
        json.WriteNumber("expiresSeconds", Math.Max(0, c.ExpiresSeconds));
        WriteEndpoint(json, "client", c.ClientAddress, c.ClientPort);
        WriteEndpoint(json, "virtual", c.VirtualAddress, c.VirtualPort);
        WriteEndpoint(json, "destination", c.DestinationAddress, c.DestinationPort);
        if (c.PeName.Length != 0)
        {
            json.WriteString("pe", c.PeName);
            json.WriteString("peData", c.PeData);
        }

        json.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, string name, InetAddress address, ushort port)
    {
        json.WriteStartObject(name);
        json.WriteString("address", address.ToString());
        json.WriteNumber("port", port);
        json.WriteEndObject();
    }

    private static string ProtocolName(byte protocol) => protocol switch
    {
        IpProtocolNumbers.Tcp => "tcp",
        IpProtocolNumbers.Udp => "udp",
        IpProtocolNumbers.Sctp => "sctp",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
