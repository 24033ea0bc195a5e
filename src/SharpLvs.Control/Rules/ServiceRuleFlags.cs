namespace SharpLvs.Control.Rules;

/// <summary>
/// A virtual service's flags, with the kernel's IP_VS_SVC_F_* values
/// (include/uapi/linux/ip_vs.h) so that listings and saves test the same bits ipvsadm tests.
/// </summary>
[Flags]
public enum ServiceRuleFlags : uint
{
    None = 0,

    /// <summary><c>-p</c>: a client sticks to one real server for the persistence timeout.</summary>
    Persistent = 0x0001,

    /// <summary><c>-o</c>: one-packet scheduling (UDP), each datagram scheduled on its own.</summary>
    OnePacket = 0x0004,

    /// <summary><c>-b flag-1</c>; <c>sh-fallback</c> for sh, <c>mh-fallback</c> for mh.</summary>
    Scheduler1 = 0x0008,

    /// <summary><c>-b flag-2</c>; <c>sh-port</c> for sh, <c>mh-port</c> for mh.</summary>
    Scheduler2 = 0x0010,

    /// <summary><c>-b flag-3</c>.</summary>
    Scheduler3 = 0x0020,

    SchedulerFlags = Scheduler1 | Scheduler2 | Scheduler3,
}
