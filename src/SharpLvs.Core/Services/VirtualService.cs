using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>Service flags as ipvsadm sets them, with the kernel's IP_VS_SVC_F_* values (include/uapi/linux/ip_vs.h).</summary>
[Flags]
public enum ServiceFlags
{
    None = 0,

    /// <summary><c>-p</c>: connections of one client go to the same real server (IP_VS_SVC_F_PERSISTENT).</summary>
    Persistent = 0x0001,

    /// <summary><c>-o</c>: one-packet scheduling for UDP (IP_VS_SVC_F_ONEPACKET).</summary>
    OnePacket = 0x0004,

    /// <summary><c>-b flag-1</c> (IP_VS_SVC_F_SCHED1): sh-fallback for sh, mh-fallback for mh.</summary>
    SchedulerFlag1 = 0x0008,

    /// <summary><c>-b flag-2</c> (IP_VS_SVC_F_SCHED2): sh-port for sh, mh-port for mh.</summary>
    SchedulerFlag2 = 0x0010,

    /// <summary><c>-b flag-3</c> (IP_VS_SVC_F_SCHED3): no scheduler uses it.</summary>
    SchedulerFlag3 = 0x0020,

    /// <summary>sh/mh: when the hashed server is unavailable, walk the table for one that is (IP_VS_SVC_F_SCHED_SH_FALLBACK).</summary>
    HashFallback = SchedulerFlag1,

    /// <summary>sh/mh: hash the client's port as well as its address (IP_VS_SVC_F_SCHED_SH_PORT).</summary>
    HashPort = SchedulerFlag2,
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
        IpvsStats? stats = null,
        uint? persistenceNetmaskV4 = null)
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

        // The kernel ANDs the client address with svc->netmask as given, so an IPv4 mask that
        // is not a prefix (ipvsadm accepts any dotted mask) is kept as it is.
        var bits = Math.Clamp(persistenceNetmaskBits, 0, 32);
        PersistenceNetmaskV4 = persistenceNetmaskV4 ?? (bits == 0 ? 0u : uint.MaxValue << (32 - bits));
        PersistenceTimeoutMs = Math.Max(0, persistenceTimeoutSeconds) * 1000L;
    }

    public ServiceKey Key { get; }

    /// <summary>The ipvsadm name (<c>-s</c>), e.g. "wrr".</summary>
    public string SchedulerName { get; }

    /// <summary>The scheduler instance built for exactly <see cref="RealServers"/>.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The real servers in the order the scheduler walks them.</summary>
    public ImmutableArray<RealServer> RealServers { get; }

    public ServiceFlags Flags { get; }

    /// <summary><c>-p</c> timeout: how long a persistence template outlives its last new connection (svc->timeout).</summary>
    public int PersistenceTimeoutSeconds { get; }

    /// <summary><c>-M</c> as a prefix length (IPv6: the prefix ipvsadm takes; IPv4: the mask's leading ones).</summary>
    public int PersistenceNetmaskBits { get; }

    /// <summary><c>-M</c> for an IPv4 service as the mask itself, host order.</summary>
    public uint PersistenceNetmaskV4 { get; }

    internal long PersistenceTimeoutMs { get; }

    public bool IsPersistent => (Flags & ServiceFlags.Persistent) != 0;

    /// <summary>The client's network for the persistence template: saddr &amp; svc->netmask (ipv6_addr_prefix for IPv6).</summary>
    public InetAddress PersistenceNetwork(InetAddress client) =>
        client.IsIPv4 ? AddressPrefix.MaskV4(client, PersistenceNetmaskV4) : AddressPrefix.Mask(client, PersistenceNetmaskBits);

    public IpvsStats Stats { get; }

    /// <summary>FULLNAT local addresses (DPVS's <c>--add-laddr</c>), taken in turn by new FULLNAT connections.</summary>
    public ImmutableArray<LocalAddressPool> LocalAddresses { get; init; } = [];

    public override string ToString() => $"{Key} {SchedulerName}";
}
