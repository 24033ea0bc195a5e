using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Control.Ipvsadm.OptionScanner;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// ipvsadm 1.31's command line, option for option: the first option must be the command;
/// each later option is checked as it is read (its own message, exit 2); popt errors and a
/// missing command give status 255; then leftover words, scheduler flags, the option table,
/// and the service/destination rules ipvsadm applies before calling the kernel.
/// </summary>
public sealed class CommandLineParser
{
    /// <summary>ipvsadm's IPVS_SVC_PERSISTENT_TIMEOUT, used by a bare <c>-p</c>.</summary>
    public const uint DefaultPersistenceTimeout = 300;

    /// <summary>ipvsadm's DEF_SCHED.</summary>
    public const string DefaultScheduler = "wlc";

    private const int MaxTimeout = 86400 * 31;
    private const int SchedulerNameMax = 15;
    private const int PersistenceEngineNameMax = 16;
    private const int InterfaceNameMax = 15;

    private static readonly OptionSpec[] Specs =
    [
        new("add-service", 'A', ArgumentKind.None, "A"),
        new("edit-service", 'E', ArgumentKind.None, "E"),
        new("delete-service", 'D', ArgumentKind.None, "D"),
        new("clear", 'C', ArgumentKind.None, "C"),
        new("list", 'L', ArgumentKind.None, "L"),
        new("list", 'l', ArgumentKind.None, "L"),
        new("zero", 'Z', ArgumentKind.None, "Z"),
        new("add-server", 'a', ArgumentKind.None, "a"),
        new("edit-server", 'e', ArgumentKind.None, "e"),
        new("delete-server", 'd', ArgumentKind.None, "d"),
        new("set", '\0', ArgumentKind.None, "set"),
        new("help", 'h', ArgumentKind.None, "h"),
        new("version", 'v', ArgumentKind.None, "v"),
        new("restore", 'R', ArgumentKind.None, "R"),
        new("save", 'S', ArgumentKind.None, "S"),
        new("start-daemon", '\0', ArgumentKind.Required, "start-daemon"),
        new("stop-daemon", '\0', ArgumentKind.Required, "stop-daemon"),
        new("tcp-service", 't', ArgumentKind.Required, "t"),
        new("udp-service", 'u', ArgumentKind.Required, "u"),
        new("sctp-service", '\0', ArgumentKind.Required, "sctp-service"),
        new("fwmark-service", 'f', ArgumentKind.Required, "f"),
        new("scheduler", 's', ArgumentKind.Required, "s"),
        new("persistent", 'p', ArgumentKind.Optional, "p"),
        new("netmask", 'M', ArgumentKind.Required, "M"),
        new("real-server", 'r', ArgumentKind.Required, "r"),
        new("masquerading", 'm', ArgumentKind.None, "m"),
        new("ipip", 'i', ArgumentKind.None, "i"),
        new("gatewaying", 'g', ArgumentKind.None, "g"),
        new("weight", 'w', ArgumentKind.Required, "w"),
        new("u-threshold", 'x', ArgumentKind.Required, "x"),
        new("l-threshold", 'y', ArgumentKind.Required, "y"),
        new("numeric", 'n', ArgumentKind.None, "n"),
        new("connection", 'c', ArgumentKind.None, "c"),
        new("mcast-interface", '\0', ArgumentKind.Required, "mcast-interface"),
        new("syncid", '\0', ArgumentKind.Required, "syncid"),
        new("timeout", '\0', ArgumentKind.None, "timeout"),
        new("daemon", '\0', ArgumentKind.None, "daemon"),
        new("stats", '\0', ArgumentKind.None, "stats"),
        new("rate", '\0', ArgumentKind.None, "rate"),
        new("thresholds", '\0', ArgumentKind.None, "thresholds"),
        new("persistent-conn", '\0', ArgumentKind.None, "persistent-conn"),
        new("nosort", '\0', ArgumentKind.None, "nosort"),
        new("sort", '\0', ArgumentKind.None, "sort"),
        new("exact", 'X', ArgumentKind.None, "X"),
        new("ipv6", '6', ArgumentKind.None, "6"),
        new("ops", 'o', ArgumentKind.None, "o"),
        new("pe", '\0', ArgumentKind.Required, "pe"),
        new("sched-flags", 'b', ArgumentKind.Required, "b"),
        new("mcast-group", '\0', ArgumentKind.Required, "mcast-group"),
        new("mcast-port", '\0', ArgumentKind.Required, "mcast-port"),
        new("mcast-ttl", '\0', ArgumentKind.Required, "mcast-ttl"),
        new("sync-maxlen", '\0', ArgumentKind.Required, "sync-maxlen"),
        new("tun-info", '\0', ArgumentKind.None, "tun-info"),
        new("tun-type", '\0', ArgumentKind.Required, "tun-type"),
        new("tun-port", '\0', ArgumentKind.Required, "tun-port"),
        new("tun-nocsum", '\0', ArgumentKind.None, "tun-nocsum"),
        new("tun-csum", '\0', ArgumentKind.None, "tun-csum"),
        new("tun-remcsum", '\0', ArgumentKind.None, "tun-remcsum"),

        // lvsadm's own commands (not in ipvsadm): firewall-mark classification and tunables.
        new("add-mark", '\0', ArgumentKind.Required, "add-mark"),
        new("del-mark", '\0', ArgumentKind.Required, "del-mark"),
        new("list-marks", '\0', ArgumentKind.None, "list-marks"),
        new("tunable", '\0', ArgumentKind.None, "tunable"),
        new("list-tunables", '\0', ArgumentKind.None, "list-tunables"),

        // DPVS's ipvsadm (after Alibaba's FULLNAT LVS): local addresses and the method.
        new("add-laddr", 'P', ArgumentKind.None, "P"),
        new("del-laddr", 'Q', ArgumentKind.None, "Q"),
        new("get-laddr", 'G', ArgumentKind.None, "G"),
        new("laddr", 'z', ArgumentKind.Required, "z"),
        new("fullnat", '\0', ArgumentKind.None, "fullnat"),
    ];

    private readonly INameService _names;
    private readonly string _program;

    public CommandLineParser(INameService names, string program = "lvsadm")
    {
        _names = names;
        _program = program;
    }

    public ParseOutcome Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            // ipvsadm with no argument lists the table, names resolved.
            return ParseOutcome.Of(new AdminCommand(
                AdminCommandKind.List, AdminOptions.None, ListFormat.None, EmptyService(), EmptyDestination()));
        }

        try
        {
            return ParseCore(args);
        }
        catch (ParseFailure failure)
        {
            return ParseOutcome.Fail(failure.ExitCode, failure.Message);
        }
    }

    private ParseOutcome ParseCore(IReadOnlyList<string> args)
    {
        var scanner = new OptionScanner(args, Specs);
        if (!scanner.TryNext(out var first) || first.Error is not null)
        {
            return TryHelp();
        }

        var state = new ParseState();
        switch (first.Option!.Id)
        {
            case "A": state.Command = AdminCommandKind.AddService; break;
            case "E": state.Command = AdminCommandKind.EditService; break;
            case "D": state.Command = AdminCommandKind.DeleteService; break;
            case "a": state.Command = AdminCommandKind.AddServer; break;
            case "e": state.Command = AdminCommandKind.EditServer; break;
            case "d": state.Command = AdminCommandKind.DeleteServer; break;
            case "C": state.Command = AdminCommandKind.Flush; break;
            case "L": state.Command = AdminCommandKind.List; break;
            case "Z": state.Command = AdminCommandKind.Zero; break;
            case "set": state.Command = AdminCommandKind.SetTimeout; break;
            case "R": state.Command = AdminCommandKind.Restore; break;
            case "S": state.Command = AdminCommandKind.Save; break;
            case "P": state.Command = AdminCommandKind.AddLocalAddress; break;
            case "Q": state.Command = AdminCommandKind.DeleteLocalAddress; break;
            case "G": state.Command = AdminCommandKind.GetLocalAddress; break;
            case "start-daemon":
            case "stop-daemon":
                var starting = first.Option.Id == "start-daemon";
                state.Command = starting ? AdminCommandKind.StartDaemon : AdminCommandKind.StopDaemon;
                state.DaemonBackup = first.Value switch
                {
                    "master" => false,
                    "backup" => true,
                    // Both messages as ipvsadm spells them, the second with its underscore.
                    _ => throw Fail(starting ? "illegal start-daemon parameter specified" : "illegal start_daemon specified"),
                };
                break;
            case "add-mark":
            case "del-mark":
                state.Command = first.Option.Id == "add-mark" ? AdminCommandKind.AddMark : AdminCommandKind.DeleteMark;
                state.FirewallMark = ParseFirewallMark(first.Value!);
                break;
            case "list-marks": state.Command = AdminCommandKind.ListMarks; break;
            case "tunable": state.Command = AdminCommandKind.SetTunable; break;
            case "list-tunables": state.Command = AdminCommandKind.ListTunables; break;
            case "h":
                return ParseOutcome.Print(Usage.Text(_program));
            case "v":
                return ParseOutcome.Print(Usage.Version(_program));
            default:
                return TryHelp();
        }

        while (scanner.TryNext(out var token))
        {
            if (token.Error is not null)
            {
                // popt's own errors: "<option>: <reason>", and main returns -1.
                return ParseOutcome.Fail(ExitCodes.OperationFailed, $"{token.Text}: {token.Error}");
            }

            ApplyOption(state, token);
        }

        var leftovers = scanner.Leftovers;
        var used = 0;
        if (state.Command == AdminCommandKind.SetTimeout)
        {
            if (leftovers.Count < 3)
            {
                throw Fail("--set option requires 3 timeout values");
            }

            state.Timeouts = new ConnectionTimeouts(
                ParseTimeout(leftovers[0], 0), ParseTimeout(leftovers[1], 0), ParseTimeout(leftovers[2], 0));
            used = 3;
        }

        if (state.Command == AdminCommandKind.SetTunable)
        {
            if (leftovers.Count < 2)
            {
                throw Fail("--tunable option requires a name and a value");
            }

            if (!IpvsTunables.Default.TryGet(leftovers[0], out _))
            {
                throw Fail($"unknown tunable `{leftovers[0]}' (known: {string.Join(", ", IpvsTunables.Names)})");
            }

            state.Tunable = new TunableSetting(leftovers[0], (int)Number(leftovers[1], int.MinValue, int.MaxValue, $"invalid tunable value `{leftovers[1]}' specified"));
            used = 2;
        }

        if (leftovers.Count > used)
        {
            throw Fail($"unexpected argument {leftovers[used]}");
        }

        if (state.SchedulerFlagsText is { Length: > 0 } flagsText)
        {
            state.Flags &= ~ServiceRuleFlags.SchedulerFlags;
            state.Flags |= ParseSchedulerFlags(state.Scheduler, flagsText);
        }

        if (OptionTable.Check(state.Command, state.Options) is { } tableError)
        {
            throw Fail(tableError);
        }

        return ParseOutcome.Of(Finish(state));
    }

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

    private AdminCommand Finish(ParseState s)
    {
        var command = s.Command;
        if (command is AdminCommandKind.AddService or AdminCommandKind.EditService)
        {
            if (s.FirewallMark == 0 && s.ServicePort == 0 && (s.Flags & ServiceRuleFlags.Persistent) == 0)
            {
                throw Fail("Zero port specified for non-persistent service");
            }

            if ((s.Flags & ServiceRuleFlags.OnePacket) != 0 && s.FirewallMark == 0 && s.Protocol != IpProtocolNumbers.Udp)
            {
                throw Fail("One-Packet Scheduling is only for UDP virtual services");
            }

            if (s.Scheduler.Length == 0)
            {
                s.Scheduler = DefaultScheduler;
            }
        }

        if (command == AdminCommandKind.StartDaemon && s.McastInterface.Length == 0)
        {
            s.McastInterface = "eth0";
        }

        if (command is AdminCommandKind.AddServer or AdminCommandKind.EditServer)
        {
            // ipvsadm: without port mapping in DR and TUN the real server's port is the
            // service's, silently (fwmark services have no port to copy).
            if (s.FirewallMark == 0 && s.Forwarding is ForwardingMethod.Tunnel or ForwardingMethod.DirectRouting)
            {
                s.DestinationPort = s.ServicePort;
            }

            if (s.DestinationFamily != s.Family && s.Forwarding != ForwardingMethod.Tunnel)
            {
                throw Fail("Different address family is allowed only for tunneling servers");
            }

            const AdminOptions tunnelOptions = AdminOptions.TunnelType | AdminOptions.TunnelPort |
                AdminOptions.TunnelNoChecksum | AdminOptions.TunnelChecksum | AdminOptions.TunnelRemoteChecksum;
            if ((s.Options & tunnelOptions) != 0 && s.Forwarding != ForwardingMethod.Tunnel)
            {
                throw Fail("Tunnel options conflict with forward method");
            }

            if (OptionTable.CheckTunnel(s.TunnelType, s.Options) is { } tunnelError)
            {
                throw Fail(tunnelError);
            }
        }

        if (command == AdminCommandKind.List)
        {
            const AdminOptions other = AdminOptions.Connection | AdminOptions.Timeout | AdminOptions.Daemon;
            const AdminOptions detail = AdminOptions.Stats | AdminOptions.Rate | AdminOptions.Thresholds;
            if (((s.Options & other) != 0 && (s.Options & detail) != 0) ||
                ((s.Options & (AdminOptions.Timeout | AdminOptions.Daemon)) != 0 && (s.Options & AdminOptions.PersistentConn) != 0))
            {
                throw Fail("options conflicts in the list command");
            }
        }

        var key = s.FirewallMark != 0
            ? new ServiceKey(0, s.Family == Family.V6 ? InetAddress.None : InetAddress.FromV4(0), 0, s.FirewallMark)
            : new ServiceKey(s.Protocol, s.ServiceAddress, s.ServicePort);
        var service = new ServiceRule(key, s.Scheduler, s.Flags, s.Timeout, s.Netmask, s.PersistenceEngine);
        var destination = new DestinationRule(
            s.DestinationAddress, s.DestinationPort, s.Forwarding, s.Weight, s.UpperThreshold, s.LowerThreshold,
            s.TunnelType, s.TunnelPort, s.TunnelFlags);
        var daemon = command is AdminCommandKind.StartDaemon or AdminCommandKind.StopDaemon
            ? new SyncDaemonSettings(s.DaemonBackup, s.McastInterface, s.SyncId, s.SyncMaxLength, s.McastGroup, s.McastPort, s.McastTtl)
            : null;
        if (command is AdminCommandKind.AddLocalAddress or AdminCommandKind.DeleteLocalAddress
            && (s.FirewallMark != 0 || s.LocalAddress.IsIPv4 != (s.Family == Family.V4)))
        {
            throw Fail("local address and virtual service must be of one family (and no fwmark service)");
        }

        return new AdminCommand(command, s.Options, s.Format, service, destination, s.Timeouts, daemon, s.Mark, s.Tunable)
        {
            LocalAddress = s.LocalAddress,
        };
    }

    private ServiceRuleFlags ParseSchedulerFlags(string scheduler, string text)
    {
        var name = scheduler.Length != 0 ? scheduler : DefaultScheduler;
        var flags = ServiceRuleFlags.None;
        foreach (var flag in text.Split(',', StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty(""))
        {
            (ServiceRuleFlags bit, string? needs) parsed = flag switch
            {
                "flag-1" => (ServiceRuleFlags.Scheduler1, null),
                "flag-2" => (ServiceRuleFlags.Scheduler2, null),
                "flag-3" => (ServiceRuleFlags.Scheduler3, null),
                "sh-fallback" => (ServiceRuleFlags.Scheduler1, "sh"),
                "sh-port" => (ServiceRuleFlags.Scheduler2, "sh"),
                "mh-fallback" => (ServiceRuleFlags.Scheduler1, "mh"),
                "mh-port" => (ServiceRuleFlags.Scheduler2, "mh"),
                _ => throw Fail($"invalid scheduler flag `{flag}'"),
            };
            if (parsed.needs is not null && parsed.needs != name)
            {
                throw Fail($"incompatible scheduler flag `{flag}'");
            }

            flags |= parsed.bit;
        }

        return flags;
    }

    private static uint ParseTimeout(string text, long min) =>
        CNumbers.TryParseRange(text, min, MaxTimeout, out var value)
            ? (uint)value
            : throw Fail($"invalid timeout value `{text}' specified");

    private static uint ParseFirewallMark(string text) =>
        CNumbers.TryParseRange(text, 1, uint.MaxValue, out var value)
            ? (uint)value
            : throw Fail($"invalid fwmark value `{text}' specified");

    private static string ParseMcastGroup(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return AddressParser.TryParseIPv6(text, out var v6) && (v6.High >> 56) == 0xFF
                ? v6.ToString()
                : throw Fail($"invalid IPv6 mcast-group `{text}'");
        }

        return System.Net.IPAddress.TryParse(text, out _) && InetAddress.TryParse(text, out var v4) && v4.IsIPv4 && (v4.V4 >> 28) == 0xE
            ? v4.ToString()
            : throw Fail($"invalid IPv4 mcast-group `{text}'");
    }

    private static long Number(string text, long min, long max, string message) =>
        CNumbers.TryParseRange(text, min, max, out var value) ? value : throw Fail(message);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private ParseOutcome TryHelp() =>
        ParseOutcome.Fail(ExitCodes.OperationFailed, $"Try `{_program} -h' or '{_program} --help' for more information.");

    private static ParseFailure Fail(string message) => new(ExitCodes.BadArgument, message);

    private static ServiceRule EmptyService() =>
        new(new ServiceKey(0, InetAddress.FromV4(0), 0), "");

    private static DestinationRule EmptyDestination() => new(InetAddress.FromV4(0), 0);

    private enum Family
    {
        Unspecified,
        V4,
        V6,
    }

    private sealed class ParseFailure(int exitCode, string message) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;
    }

    /// <summary>ipvsadm's ipvs_command_entry while options are read, with its defaults.</summary>
    private sealed class ParseState
    {
        public AdminCommandKind Command { get; set; }

        public AdminOptions Options { get; private set; }

        public ListFormat Format { get; set; }

        public byte Protocol { get; set; }

        public Family Family { get; set; }

        public InetAddress ServiceAddress { get; set; } = InetAddress.FromV4(0);

        public ushort ServicePort { get; set; }

        public uint FirewallMark { get; set; }

        public string Scheduler { get; set; } = "";

        public ServiceRuleFlags Flags { get; set; }

        public uint Timeout { get; set; }

        public uint Netmask { get; set; } = ServiceRule.HostMaskV4;

        public string PersistenceEngine { get; set; } = "";

        public string? SchedulerFlagsText { get; set; }

        public Family DestinationFamily { get; set; }

        public InetAddress DestinationAddress { get; set; } = InetAddress.FromV4(0);

        public ushort DestinationPort { get; set; }

        public ForwardingMethod Forwarding { get; set; } = ForwardingMethod.DirectRouting;

        public int Weight { get; set; } = 1;

        public uint UpperThreshold { get; set; }

        public uint LowerThreshold { get; set; }

        public TunnelType TunnelType { get; set; } = TunnelType.IpIp;

        public ushort TunnelPort { get; set; }

        public TunnelFlags TunnelFlags { get; set; }

        public ConnectionTimeouts? Timeouts { get; set; }

        public FirewallMarkRule? Mark { get; set; }

        public TunableSetting? Tunable { get; set; }

        public bool DaemonBackup { get; set; }

        public string McastInterface { get; set; } = "";

        public byte SyncId { get; set; }

        public ushort SyncMaxLength { get; set; }

        public string McastGroup { get; set; } = "";

        public InetAddress LocalAddress { get; set; }

        public ushort McastPort { get; set; }

        public byte McastTtl { get; set; }

        /// <summary>set_option: each option at most once.</summary>
        public void Set(AdminOptions option)
        {
            if ((Options & option) != 0)
            {
                throw Fail($"multiple '{OptionTable.NameOf(option)}' options specified");
            }

            Options |= option;
        }
    }
}
