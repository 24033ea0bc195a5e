namespace SharpLvs.Control.Ipvsadm;

/// <summary>ipvsadm's commands, in the order of its CMD_* constants (which index the option table).</summary>
public enum AdminCommandKind
{
    None = 0,

    /// <summary><c>-A</c>, add-service.</summary>
    AddService,

    /// <summary><c>-E</c>, edit-service.</summary>
    EditService,

    /// <summary><c>-D</c>, delete-service.</summary>
    DeleteService,

    /// <summary><c>-C</c>, clear (ipvsadm calls it "flush").</summary>
    Flush,

    /// <summary><c>-L</c>/<c>-l</c>, list.</summary>
    List,

    /// <summary><c>-a</c>, add-server.</summary>
    AddServer,

    /// <summary><c>-d</c>, delete-server.</summary>
    DeleteServer,

    /// <summary><c>-e</c>, edit-server.</summary>
    EditServer,

    /// <summary><c>--set tcp tcpfin udp</c>.</summary>
    SetTimeout,

    /// <summary><c>--start-daemon master|backup</c>.</summary>
    StartDaemon,

    /// <summary><c>--stop-daemon master|backup</c>.</summary>
    StopDaemon,

    /// <summary><c>-R</c>, restore rules from stdin.</summary>
    Restore,

    /// <summary><c>-S</c>, save rules to stdout.</summary>
    Save,

    /// <summary><c>-Z</c>, zero counters.</summary>
    Zero,

    /// <summary><c>--add-mark MARK -t|-u ADDR[/PREFIX][:PORT[-PORT]]</c> (lvsadm extension).</summary>
    AddMark,

    /// <summary><c>--del-mark MARK -t|-u …</c> (lvsadm extension).</summary>
    DeleteMark,

    /// <summary><c>--list-marks</c> (lvsadm extension).</summary>
    ListMarks,

    /// <summary><c>--tunable NAME VALUE</c>: one /proc/sys/net/ipv4/vs switch (lvsadm extension).</summary>
    SetTunable,

    /// <summary><c>--list-tunables</c> (lvsadm extension).</summary>
    ListTunables,

    /// <summary><c>-P</c>/<c>--add-laddr</c>: a FULLNAT local address for a service (DPVS's ipvsadm).</summary>
    AddLocalAddress,

    /// <summary><c>-Q</c>/<c>--del-laddr</c>.</summary>
    DeleteLocalAddress,

    /// <summary><c>-G</c>/<c>--get-laddr</c>: list the local addresses.</summary>
    GetLocalAddress,
}
