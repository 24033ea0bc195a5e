using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;

namespace SharpLvs.Core.Services;

/// <summary>Service flags as ipvsadm sets them (the kernel's IP_VS_SVC_F_*); placeholders until persistence lands.</summary>
[Flags]
public enum ServiceFlags
{
    None = 0,

    /// <summary><c>-p</c>: connections of one client go to the same real server (IP_VS_SVC_F_PERSISTENT).</summary>
    Persistent = 0x0001,

    /// <summary><c>-o</c>: one-packet scheduling for UDP (IP_VS_SVC_F_ONEPACKET).</summary>
    OnePacket = 0x0004,
}

/// <summary>
/// A virtual service (the kernel's <c>struct ip_vs_service</c>): VIP:port and protocol, or a
/// firewall mark; its scheduler and its real servers. Immutable: the control plane builds a
/// new one, with a scheduler rebuilt by <see cref="SchedulerRegistry.Create"/>, whenever the
/// service or its real servers change, and passes the old <see cref="Stats"/> on.
/// </summary>
public sealed class VirtualService
{
    public VirtualService(
        ServiceKey key,
        string schedulerName,
        IScheduler scheduler,
        ImmutableArray<RealServer> realServers,
        ServiceFlags flags = ServiceFlags.None,
        int persistenceTimeoutSeconds = 0,
        int persistenceNetmaskBits = 0,
        IpvsStats? stats = null)
    {
        ArgumentNullException.ThrowIfNull(schedulerName);
        ArgumentNullException.ThrowIfNull(scheduler);
        Key = key;
        SchedulerName = schedulerName;
        Scheduler = scheduler;
        RealServers = realServers.IsDefault ? [] : realServers;
        Flags = flags;
        PersistenceTimeoutSeconds = persistenceTimeoutSeconds;
        PersistenceNetmaskBits = persistenceNetmaskBits;
        Stats = stats ?? new IpvsStats();
    }

    public ServiceKey Key { get; }

    /// <summary>The ipvsadm name (<c>-s</c>), e.g. "wrr".</summary>
    public string SchedulerName { get; }

    /// <summary>The scheduler instance built for exactly <see cref="RealServers"/>.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The real servers in the order the scheduler walks them.</summary>
    public ImmutableArray<RealServer> RealServers { get; }

    public ServiceFlags Flags { get; }

    /// <summary><c>-p</c> timeout (placeholder: persistence is not implemented yet).</summary>
    public int PersistenceTimeoutSeconds { get; }

    /// <summary><c>-M</c> as a prefix length (placeholder).</summary>
    public int PersistenceNetmaskBits { get; }

    public IpvsStats Stats { get; }

    public override string ToString() => $"{Key} {SchedulerName}";
}
