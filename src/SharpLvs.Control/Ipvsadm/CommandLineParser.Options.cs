using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Control.Ipvsadm.OptionScanner;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>One option of ipvsadm's command line, checked as it is read (ipvsadm.c's big switch).</summary>
public sealed partial class CommandLineParser
{
    private void ApplyOption(ParseState s, Token token)
    {
        var value = token.Value;
        switch (token.Option!.Id)
        {
            case "t":
            case "u":
            case "sctp-service":
                if (s.Command is AdminCommandKind.AddMark or AdminCommandKind.DeleteMark)
                {
                    s.Set(AdminOptions.Service);
                    var markProtocol = token.Option.Id == "u" ? IpProtocolNumbers.Udp : IpProtocolNumbers.Tcp;
                    s.Mark = token.Option.Id != "sctp-service"
                        ? MarkSelectorParser.Parse(value!, markProtocol, s.FirewallMark, _names) ?? throw Fail("illegal mark selector ADDR[/PREFIX][:PORT[-PORT]] specified")
                        : throw Fail("marks select TCP (-t) or UDP (-u) packets");
                    break;
                }

                s.Set(AdminOptions.Service);
                s.Protocol = token.Option.Id switch
                {
                    "t" => IpProtocolNumbers.Tcp,
                    "u" => IpProtocolNumbers.Udp,
                    _ => IpProtocolNumbers.Sctp,
                };
                var service = AddressParser.Parse(value!, s.Protocol, _names) ??
                    throw Fail("illegal virtual server address[:port] specified");
                s.ServiceAddress = service.Address;
                s.Family = service.Address.IsIPv4 ? Family.V4 : Family.V6;
                if (s.Family == Family.V6)
                {
                    s.Netmask = ServiceRule.HostPrefixV6;
                }

                if (service.Port is { } servicePort)
                {
                    s.ServicePort = servicePort;
                }

                break;
            case "f":
                s.Set(AdminOptions.Service);
                s.Family = Family.V4;
                s.Protocol = IpProtocolNumbers.Tcp;
                s.FirewallMark = ParseFirewallMark(value!);
                break;
            case "s":
                s.Set(AdminOptions.Scheduler);
                s.Scheduler = Truncate(value!, SchedulerNameMax);
                break;
            case "p":
                s.Set(AdminOptions.Persistent);
                s.Flags |= ServiceRuleFlags.Persistent;
                s.Timeout = value is null ? DefaultPersistenceTimeout : ParseTimeout(value, 1);
                break;
            case "M":
                s.Set(AdminOptions.Netmask);
                if (s.Family != Family.V6)
                {
                    s.Netmask = AddressParser.TryParseNetmask(value!, _names, out var mask)
                        ? mask
                        : throw Fail("illegal virtual server persistent mask specified");
                }
                else
                {
                    var prefix = CNumbers.Atoi(value!);
                    s.Netmask = prefix is >= 1 and <= 128 ? (uint)prefix : throw Fail("illegal ipv6 netmask specified");
                }

                break;
            case "r":
                s.Set(AdminOptions.Server);
                var server = AddressParser.Parse(value!, s.Protocol, _names) ??
                    throw Fail("illegal real server address[:port] specified");
                s.DestinationAddress = server.Address;
                s.DestinationFamily = server.Address.IsIPv4 ? Family.V4 : Family.V6;
                // A real server without a port takes the service's port (as given so far).
                s.DestinationPort = server.Port ?? s.ServicePort;
                break;
            case "i":
                s.Set(AdminOptions.Forward);
                s.Forwarding = ForwardingMethod.Tunnel;
                break;
            case "g":
                s.Set(AdminOptions.Forward);
                s.Forwarding = ForwardingMethod.DirectRouting;
                break;
            case "m":
                s.Set(AdminOptions.Forward);
                s.Forwarding = ForwardingMethod.Masquerade;
                break;
            case "fullnat":
                s.Set(AdminOptions.Forward);
                s.Forwarding = ForwardingMethod.FullNat;
                break;
            case "z":
                s.Set(AdminOptions.LocalAddress);
                s.LocalAddress = InetAddress.TryParse(value, out var local)
                    ? local
                    : throw Fail("illegal local address specified");
                break;
            case "w":
                s.Set(AdminOptions.Weight);
                s.Weight = (int)Number(value!, 0, 65535, "illegal weight specified");
                break;
            case "x":
                s.Set(AdminOptions.UpperThreshold);
                s.UpperThreshold = (uint)Number(value!, 0, int.MaxValue, "illegal u_threshold specified");
                break;
            case "y":
                s.Set(AdminOptions.LowerThreshold);
                s.LowerThreshold = (uint)Number(value!, 0, int.MaxValue, "illegal l_threshold specified");
                break;
            case "c":
                s.Set(AdminOptions.Connection);
                break;
            case "n":
                s.Set(AdminOptions.Numeric);
                s.Format |= ListFormat.Numeric;
                break;
            case "mcast-interface":
                s.Set(AdminOptions.McastInterface);
                s.McastInterface = Truncate(value!, InterfaceNameMax);
                break;
            case "syncid":
                s.Set(AdminOptions.SyncId);
                s.SyncId = (byte)Number(value!, 0, 255, "illegal syncid specified");
                break;
            case "timeout":
                s.Set(AdminOptions.Timeout);
                break;
            case "daemon":
                s.Set(AdminOptions.Daemon);
                break;
            case "stats":
                s.Set(AdminOptions.Stats);
                s.Format |= ListFormat.Stats;
                break;
            case "rate":
                s.Set(AdminOptions.Rate);
                s.Format |= ListFormat.Rate;
                break;
            case "thresholds":
                s.Set(AdminOptions.Thresholds);
                s.Format |= ListFormat.Thresholds;
                break;
            case "persistent-conn":
                s.Set(AdminOptions.PersistentConn);
                s.Format |= ListFormat.PersistentConn;
                break;
            case "nosort":
                s.Set(AdminOptions.NoSort);
                s.Format |= ListFormat.NoSort;
                break;
            case "sort":
                break; // Sorting is the default; kept for compatibility, as in ipvsadm.
            case "X":
                s.Set(AdminOptions.Exact);
                s.Format |= ListFormat.Exact;
                break;
            case "6":
                if (s.FirewallMark == 0)
                {
                    // ipvsadm's message carries its own "\n" before fail() adds one.
                    throw Fail("-6 used before -f\n");
                }

                s.Family = Family.V6;
                s.Netmask = ServiceRule.HostPrefixV6;
                break;
            case "o":
                s.Set(AdminOptions.OnePacket);
                s.Flags |= ServiceRuleFlags.OnePacket;
                break;
            case "pe":
                s.Set(AdminOptions.PersistenceEngine);
                s.PersistenceEngine = Truncate(value!, PersistenceEngineNameMax);
                break;
            case "b":
                s.Set(AdminOptions.SchedulerFlags);
                s.SchedulerFlagsText = value;
                break;
            case "mcast-group":
                s.Set(AdminOptions.McastGroup);
                s.McastGroup = ParseMcastGroup(value!);
                break;
            case "mcast-port":
                s.Set(AdminOptions.McastPort);
                s.McastPort = (ushort)Number(value!, 1, 65535, "illegal mcast-port specified");
                break;
            case "mcast-ttl":
                s.Set(AdminOptions.McastTtl);
                s.McastTtl = (byte)Number(value!, 1, 255, "illegal mcast-ttl specified");
                break;
            case "sync-maxlen":
                s.Set(AdminOptions.SyncMaxLength);
                s.SyncMaxLength = (ushort)Number(value!, 1, 65535 - 20 - 8, "illegal sync-maxlen specified");
                break;
            case "tun-info":
                s.Set(AdminOptions.TunnelInfo);
                s.Format |= ListFormat.TunnelInfo;
                break;
            case "tun-type":
                s.Set(AdminOptions.TunnelType);
                s.TunnelType = value switch
                {
                    "ipip" => TunnelType.IpIp,
                    "gue" => TunnelType.Gue,
                    "gre" => TunnelType.Gre,
                    _ => throw Fail("illegal tunnel type specified"),
                };
                break;
            case "tun-port":
                s.Set(AdminOptions.TunnelPort);
                s.TunnelPort = (ushort)Number(value!, 1, 65535, "illegal tunnel port specified");
                break;
            case "tun-nocsum":
                s.Set(AdminOptions.TunnelNoChecksum);
                break;
            case "tun-csum":
                s.Set(AdminOptions.TunnelChecksum);
                s.TunnelFlags |= TunnelFlags.Checksum;
                break;
            case "tun-remcsum":
                s.Set(AdminOptions.TunnelRemoteChecksum);
                s.TunnelFlags |= TunnelFlags.RemoteChecksum;
                break;
            default:
                // A second command, -h or -v after the command: popt hands it back and ipvsadm
                // has no case for it.
                throw Fail($"invalid option `{token.Text}'");
        }
    }
}
