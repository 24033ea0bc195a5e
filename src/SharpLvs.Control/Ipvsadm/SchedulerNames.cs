namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The scheduler names the Linux kernel ships (net/netfilter/ipvs/ip_vs_*.c). lvsadm accepts
/// any name, as ipvsadm does; lvsd refuses one its registry lacks with "Scheduler or
/// persistence engine not found", as the kernel does for a module it cannot load.
/// </summary>
public static class SchedulerNames
{
    public static IReadOnlyList<string> Kernel { get; } =
    [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
    ];
}
