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
public sealed partial class CommandLineParser
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
