namespace SharpLvs.Core.Services;

/// <summary>
/// The run-time switches of /proc/sys/net/ipv4/vs/ that change how packets are handled, with
/// the kernel's defaults (Documentation/networking/ipvs-sysctl.rst). Immutable: a change builds
/// a new object that travels to the data plane inside the next <see cref="ServiceTable"/>, so
/// the workers read them without locks. Values are ints, as the sysctls are (proc_dointvec):
/// any non-zero value turns a switch on.
/// </summary>
/// <param name="ExpireNodestConn">expire_nodest_conn: a packet of a connection whose real server was
/// deleted expires the connection at once (and is then handled as a new one) instead of being dropped.</param>
/// <param name="ExpireQuiescentTemplate">expire_quiescent_template: a persistence template whose real
/// server has weight 0 is dropped when next consulted, so the client is scheduled afresh.</param>
/// <param name="SloppyTcp">sloppy_tcp: a TCP connection may be scheduled on any segment, not only a SYN.</param>
/// <param name="ConnReuseMode">conn_reuse_mode (bitmap, default 1): bit 0 reschedules a SYN that reuses the
/// ports of a TIME_WAIT/CLOSE connection; bit 1 also one in FIN_WAIT that never saw a reply (DR/TUN).
/// 0 turns the check off.</param>
/// <param name="ScheduleIcmp">schedule_icmp: an ICMP error to a VIP whose quoted flow has no connection is
/// scheduled like that flow (ip_vs_in_icmp → ip_vs_try_to_schedule) and relayed to the chosen real server;
/// 0 leaves such errors to the host.</param>
public sealed record IpvsTunables(
    int ExpireNodestConn = 0,
    int ExpireQuiescentTemplate = 0,
    int SloppyTcp = 0,
    int ConnReuseMode = 1,
    int ScheduleIcmp = 0)
{
    public static IpvsTunables Default { get; } = new();

    /// <summary>The sysctl names, in the order listings show them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["conn_reuse_mode", "expire_nodest_conn", "expire_quiescent_template", "schedule_icmp", "sloppy_tcp"];

    /// <summary>The value of the sysctl called <paramref name="name"/>; false for an unknown name.</summary>
    public bool TryGet(string name, out int value)
    {
        int? known = name switch
        {
            "conn_reuse_mode" => ConnReuseMode,
            "expire_nodest_conn" => ExpireNodestConn,
            "expire_quiescent_template" => ExpireQuiescentTemplate,
            "schedule_icmp" => ScheduleIcmp,
            "sloppy_tcp" => SloppyTcp,
            _ => null,
        };
        value = known ?? 0;
        return known.HasValue;
    }

    /// <summary>A copy with one sysctl changed; null for an unknown name.</summary>
    public IpvsTunables? With(string name, int value) => name switch
    {
        "conn_reuse_mode" => this with { ConnReuseMode = value },
        "expire_nodest_conn" => this with { ExpireNodestConn = value },
        "expire_quiescent_template" => this with { ExpireQuiescentTemplate = value },
        "schedule_icmp" => this with { ScheduleIcmp = value },
        "sloppy_tcp" => this with { SloppyTcp = value },
        _ => null,
    };
}
