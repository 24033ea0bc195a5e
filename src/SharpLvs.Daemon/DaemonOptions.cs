using SharpLvs.Control.Ipvsadm;
using SharpLvs.Core.Services;

namespace SharpLvs.Daemon;

/// <summary>lvsd's command line. Kept small: rules come from lvsadm, not from flags.</summary>
internal sealed record DaemonOptions(IReadOnlyList<string> Interfaces, bool AnswerArp, bool ShowHelp)
{
    public const int DefaultConnections = 1 << 20;
    public const int DefaultCoalesceMicroseconds = 100;
    public const int DefaultRingFrames = 8192;
    public const int MaxDefaultFastPathFlows = 1 << 18;

    public const string Usage = """
        Usage: lvsd [--interface IF]... [--no-arp] [--tunable NAME=VALUE]...
                    [--realtime] [--cpu N] [--connections N] [--coalesce-us N]
                    [--ring-frames N] [--port af_packet|xdp|auto] [--workers N|auto]
                    [--xdp-mode native|generic] [--fast-path] [--fast-path-flows N]
                    [--state-file PATH]

        The SharpLVS director daemon. Runs in the foreground in the current network
        namespace (one lvsd per namespace, as the kernel has one IPVS table per namespace)
        and takes its rules from lvsadm, which speaks ipvsadm's syntax.

          -i, --interface IF   serve IF (repeatable); default: every interface that is up,
                               except loopback
              --no-arp         never answer ARP or neighbour solicitations for a VIP; by
                               default lvsd answers for a VIP that is configured on no
                               interface (an IPv6 VIP: or on lo), on the interface whose
                               subnet holds it
          -t, --tunable NAME=VALUE
                               set one of the /proc/sys/net/ipv4/vs switches lvsd
                               implements (repeatable): conn_reuse_mode,
                               expire_nodest_conn, expire_quiescent_template,
                               schedule_icmp, sloppy_tcp; change them later with
                               lvsadm --tunable NAME VALUE
              --realtime       run the data-plane thread SCHED_FIFO (priority 50), so it
                               preempts ordinary tasks as the kernel's softirq forwarding
                               does; a busy host otherwise delays it beyond what the
                               receive ring holds
              --cpu N          pin the data-plane thread to CPU N (with --workers, worker
                               i to CPU N+i)
              --connections N  connection table size (default 1048576); reserved up
                               front, 136 bytes per live connection; with --workers, shared
                               out evenly, one table per worker
              --coalesce-us N  under load (frames closer together than N µs) gather frames
                               for a window of at most N µs per wake-up, sized for
                               about 32 frames, instead of waking per frame; 0 turns
                               it off (default 100)
              --ring-frames N  receive ring slots per interface, 2 KB each (default
                               8192: 16 MB, 55 ms at 150 kpps); fewer slots keep the
                               ring in the CPU's caches, more absorb longer stalls
              --port KIND      how frames reach lvsd: af_packet (default) reads every
                               frame from AF_PACKET rings; xdp loads an XDP program lvsd
                               generates, which steers the director's flows to AF_XDP
                               sockets (and away from the host's stack) and passes the
                               rest (ARP, ICMP, ...) to the AF_PACKET rings; xdp refuses
                               to start where the program cannot attach in native mode,
                               auto falls back to af_packet there (the log says why)
              --xdp-mode MODE  native (default: the driver runs the program on the
                               frame) or generic (the kernel runs it on the skb, after
                               RPS, on any device; for drivers without native XDP, and
                               on veth, where it avoids converting frames)
              --workers N      data-plane workers (default 1; auto: one per CPU lvsd may
                               run on; at most 64), each with its own thread, rings
                               and connection table; the kernel steers each flow to
                               the worker that owns it by its client (PACKET_FANOUT,
                               docs/workers.md); af_packet only for now (xdp
                               refuses N > 1, auto takes af_packet)
              --fast-path      with --port xdp or auto: the XDP program forwards the
                               packets of established Direct-Routing connections itself
                               (MAC rewrite, XDP_TX); lvsd still schedules every new
                               connection and keeps state, timeouts and counters
                               (docs/fast-path.md)
              --fast-path-flows N
                               flows the fast path holds (LRU: the least recently used
                               falls back to lvsd); default the smaller of --connections
                               and 262144, about 100 bytes each, taken up front
              --state-file PATH
                               keep the rules in PATH (written atomically after every
                               change, restored on start); default:
                               /run/sharplvs/netns-INODE/rules, one file per network
                               namespace (INODE of /proc/self/ns/net)
          -h, --help           this text

        On a real server: 'lvsd --decapsulate --help' (unwraps LVS-TUN packets without ipip).

        SIGTERM or SIGINT stop it cleanly (the kernel guard and offload settings are undone),
        saving the connection table next to the state file ('connections'); the next start
        restores the entries whose service and real server remain, so established
        connections survive a restart (not a kill -9).
        """;

    /// <summary><c>--state-file</c>: where the rules are kept; null for the per-namespace default.</summary>
    public string? StateFile { get; init; }

    /// <summary>Tunables to set before the first rule arrives (<c>--tunable</c>), in order.</summary>
    public IReadOnlyList<TunableSetting> Tunables { get; init; } = [];

    /// <summary>Run the data-plane thread SCHED_FIFO (--realtime).</summary>
    public bool Realtime { get; init; }

    /// <summary>Pin the data-plane thread to this CPU (--cpu), or null.</summary>
    public int? Cpu { get; init; }

    /// <summary>Connection table capacity (--connections); the table is preallocated.</summary>
    public int Connections { get; init; } = DefaultConnections;

    /// <summary>Interrupt coalescing window of the packet port, µs (--coalesce-us; 0 = off).</summary>
    public int CoalesceMicroseconds { get; init; } = DefaultCoalesceMicroseconds;

    /// <summary>How frames reach the data plane (--port).</summary>
    public PacketPortKind Port { get; init; } = PacketPortKind.AfPacket;

    /// <summary>Attach the XDP program in generic (skb) mode instead of native (--xdp-mode generic).</summary>
    public bool XdpGeneric { get; init; }

    /// <summary>The XDP established-flow fast path (--fast-path).</summary>
    public bool FastPath { get; init; }

    /// <summary>Size of the fast path's flows map (--fast-path-flows).</summary>
    public int FastPathFlows { get; init; } = MaxDefaultFastPathFlows;

    /// <summary>Receive ring slots per served interface (--ring-frames).</summary>
    public int RingFrames { get; init; } = DefaultRingFrames;

    /// <summary>Data-plane workers (--workers); 0 means auto, one per CPU lvsd may run on.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Most workers (--workers): the FULLNAT port pools keep a cursor per worker up to this.</summary>
    public const int MaxWorkers = LocalAddressPool.MaxWorkers;

    /// <summary>The number of workers to start: <see cref="Workers"/>, or for auto the CPUs this process may run on (its affinity mask), capped.</summary>
    public int ResolveWorkers() => Math.Clamp(Workers == 0 ? Environment.ProcessorCount : Workers, 1, MaxWorkers);

    private static bool TryCount(string[] args, int i, int max, out int value)
    {
        value = 0;
        return i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) && value <= max;
    }

    private static TunableSetting? ParseTunable(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !IpvsTunables.Default.TryGet(text[..equals], out _)
            || !int.TryParse(text[(equals + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return new TunableSetting(text[..equals], value);
    }

    /// <summary>Parses argv; returns null with a message naming what was wrong.</summary>
    public static DaemonOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var interfaces = new List<string>();
        var tunables = new List<TunableSetting>();
        var answerArp = true;
        var help = false;
        var realtime = false;
        int? cpu = null;
        var connections = DefaultConnections;
        var coalesce = DefaultCoalesceMicroseconds;
        var ringFrames = DefaultRingFrames;
        string? stateFile = null;
        var port = PacketPortKind.AfPacket;
        var workers = 1;
        var fastPath = false;
        bool? xdpGeneric = null;
        int? fastPathFlows = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-i" or "--interface":
                    if (i + 1 >= args.Length || args[i + 1].Length == 0)
                    {
                        error = $"{args[i]} needs an interface name";
                        return null;
                    }

                    interfaces.Add(args[++i]);
                    break;
                case "-t" or "--tunable":
                    if (i + 1 >= args.Length || ParseTunable(args[i + 1]) is not { } tunable)
                    {
                        error = $"{args[i]} needs NAME=VALUE with NAME one of {string.Join(", ", IpvsTunables.Names)} and an integer VALUE";
                        return null;
                    }

                    tunables.Add(tunable);
                    i++;
                    break;
                case "--state-file":
                    if (i + 1 >= args.Length || args[i + 1].Length == 0)
                    {
                        error = "--state-file needs a path";
                        return null;
                    }

                    stateFile = args[++i];
                    break;
                case "--no-arp":
                    answerArp = false;
                    break;
                case "--realtime":
                    realtime = true;
                    break;
                case "--cpu":
                    // Not checked against ProcessorCount: under taskset that counts only the allowed CPUs.
                    if (!TryCount(args, i, 1023, out var n))
                    {
                        error = "--cpu needs a CPU number (0-1023)";
                        return null;
                    }

                    cpu = n;
                    i++;
                    break;
                case "--connections":
                    if (!TryCount(args, i, 1 << 28, out var size) || size < 1)
                    {
                        error = "--connections needs a number from 1 to 268435456";
                        return null;
                    }

                    connections = size;
                    i++;
                    break;
                case "--coalesce-us":
                    if (!TryCount(args, i, 100_000, out var us))
                    {
                        error = "--coalesce-us needs a number of microseconds from 0 to 100000";
                        return null;
                    }

                    coalesce = us;
                    i++;
                    break;
                case "--ring-frames":
                    if (!TryCount(args, i, 1 << 20, out var frames) || frames < 64)
                    {
                        error = "--ring-frames needs a number of slots from 64 to 1048576";
                        return null;
                    }

                    ringFrames = frames;
                    i++;
                    break;
                case "--port":
                    PacketPortKind? kind = i + 1 < args.Length ? args[i + 1] switch
                    {
                        "af_packet" => PacketPortKind.AfPacket,
                        "xdp" => PacketPortKind.Xdp,
                        "auto" => PacketPortKind.Auto,
                        _ => null,
                    } : null;
                    if (kind is not { } chosen)
                    {
                        error = "--port needs af_packet, xdp or auto";
                        return null;
                    }

                    port = chosen;
                    i++;
                    break;
                case "--workers":
                    if (i + 1 < args.Length && args[i + 1] == "auto")
                    {
                        workers = 0;
                    }
                    else if (!TryCount(args, i, MaxWorkers, out workers) || workers < 1)
                    {
                        error = $"--workers needs a number from 1 to {MaxWorkers}, or auto";
                        return null;
                    }

                    i++;
                    break;
                case "--fast-path":
                    fastPath = true;
                    break;
                case "--xdp-mode":
                    xdpGeneric = i + 1 < args.Length ? args[i + 1] switch
                    {
                        "native" => false,
                        "generic" => true,
                        _ => null,
                    } : null;
                    if (xdpGeneric is null)
                    {
                        error = "--xdp-mode needs native or generic";
                        return null;
                    }

                    i++;
                    break;
                case "--fast-path-flows":
                    if (!TryCount(args, i, 1 << 24, out var flows) || flows < 1)
                    {
                        error = "--fast-path-flows needs a number from 1 to 16777216";
                        return null;
                    }

                    fastPathFlows = flows;
                    i++;
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    error = $"unknown argument '{args[i]}'";
                    return null;
            }
        }

        if (fastPath && port == PacketPortKind.AfPacket)
        {
            error = "--fast-path needs --port xdp or auto: the fast path is part of the XDP program";
            return null;
        }

        if (xdpGeneric is not null && port == PacketPortKind.AfPacket)
        {
            error = "--xdp-mode needs --port xdp or auto";
            return null;
        }

        return new DaemonOptions(interfaces, answerArp, help)
        {
            XdpGeneric = xdpGeneric ?? false,
            FastPath = fastPath,
            FastPathFlows = fastPathFlows ?? Math.Min(connections, MaxDefaultFastPathFlows),
            Tunables = tunables,
            Realtime = realtime,
            Cpu = cpu,
            Connections = connections,
            CoalesceMicroseconds = coalesce,
            RingFrames = ringFrames,
            Port = port,
            Workers = workers,
            StateFile = stateFile,
        };
    }
}
