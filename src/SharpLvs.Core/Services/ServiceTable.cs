using System.Runtime.CompilerServices;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// One immutable snapshot of everything the data plane consults per packet: virtual services
/// by (protocol, VIP, port) or firewall mark, the set of VIPs, the firewall-mark classifier,
/// the ARP answers and the IPVS tunables. Built by the control plane
/// off the hot path and published through <see cref="ServiceTableHolder"/>; lookups never
/// allocate.
/// </summary>
public sealed partial class ServiceTable
{
    // Plain hash tables, read-only once published: a lookup costs what a frozen one does for
    // these struct keys, and a successor copies them (an array copy, no rehashing) and patches
    // the few services that changed, which a rule change at 10,000 services needs
    // (ToFrozenDictionary searches for a collision-free table size first). The address sets
    // count the services (or real servers) behind each address, so that removing one of two
    // services on a VIP keeps the VIP.
    private readonly Dictionary<ServiceKey, VirtualService> _services;
    private readonly Dictionary<InetAddress, int> _virtualAddresses;
    private readonly Dictionary<ArpKey, MacAddress> _arp;
    private readonly Dictionary<InetAddress, int> _replySources;
    private readonly Dictionary<ServiceKey, int> _realServices;
    private readonly Dictionary<InetAddress, int> _localAddresses;
    private readonly Dictionary<InetAddress, int> _tunnelServers;
    private readonly bool _hasPortZero;

    // Control side only: what each service added to the address sets when it came in (its real
    // servers' methods may be edited in place later), and the counts behind the flags.
    private readonly Dictionary<ServiceKey, Footprint> _footprints;
    private readonly int _portZeroServices;

    public ServiceTable(
        IEnumerable<VirtualService> services,
        IEnumerable<ArpAnswer>? arpAnswers = null,
        IpvsTunables? tunables = null,
        FirewallMarkClassifier? marks = null)
        : this(Scratch(services, out var ordered), ordered, ArpTable(arpAnswers), tunables, marks)
    {
    }

    public static ServiceTable Empty { get; } = new([]);

    /// <summary>Every service, in the order given.</summary>
    public IReadOnlyList<VirtualService> Services { get; }

    /// <summary>How many real servers the services have in all.</summary>
    public int RealServerCount { get; }

    public IReadOnlyList<ArpAnswer> ArpAnswers { get; }

    /// <summary>The /proc/sys/net/ipv4/vs switches in force for this snapshot.</summary>
    public IpvsTunables Tunables { get; }

    /// <summary>Which packets carry which firewall mark (lvsd's stand-in for the netfilter MARK rules).</summary>
    public FirewallMarkClassifier Marks { get; }

    /// <summary>ip_vs_service_find for a protocol/address/port service.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VirtualService? Find(byte protocol, InetAddress address, ushort port) =>
        _services.TryGetValue(new ServiceKey(protocol, address, port), out var service) ? service : null;

    public VirtualService? Find(in ServiceKey key) => _services.TryGetValue(key, out var service) ? service : null;

    /// <summary>__ip_vs_svc_fwm_find: the fwmark service of that family, keyed as ipvsadm sends it (address 0.0.0.0 or ::).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VirtualService? FindFirewallMark(uint mark, bool ipv6) =>
        _services.TryGetValue(new ServiceKey(0, ipv6 ? InetAddress.None : InetAddress.FromV4(0), 0, mark), out var service) ? service : null;

    /// <summary>
    /// ip_vs_service_find: the fwmark service first (when the packet carries a mark), then the
    /// (protocol, VIP, port) service, then the catch-all port-zero service of the VIP.
    /// </summary>
    public VirtualService? FindForPacket(byte protocol, InetAddress address, ushort port)
    {
        if (!Marks.IsEmpty)
        {
            var mark = Marks.Classify(protocol, address, port);
            if (mark != 0 && FindFirewallMark(mark, !address.IsIPv4) is { } marked)
            {
                return marked;
            }
        }

        if (_services.TryGetValue(new ServiceKey(protocol, address, port), out var service))
        {
            return service;
        }

        return _hasPortZero && port != 0 && _services.TryGetValue(new ServiceKey(protocol, address, 0), out var catchAll) ? catchAll : null;
    }

    /// <summary>
    /// Whether any service listens on the address: frames to a VIP are the director's, so
    /// malformed ones are dropped with a reason rather than handed to the host.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsVirtualAddress(InetAddress address) =>
        _virtualAddresses.ContainsKey(address) || (!Marks.IsEmpty && Marks.Covers(address));

    /// <summary>True when some service has NAT real servers or FULLNAT local addresses (replies cross the director).</summary>
    public bool HasReplyPath { get; }

    /// <summary>Whether <paramref name="address"/> is a NAT real server's (its packets may be replies to un-NAT).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsReplySource(InetAddress address) => _replySources.ContainsKey(address);

    /// <summary>ip_vs_has_real_service: some NAT service has a real server at protocol/RIP/port.</summary>
    public bool IsRealService(byte protocol, InetAddress address, ushort port) =>
        _realServices.ContainsKey(new ServiceKey(protocol, address, port));

    /// <summary>Whether <paramref name="address"/> is a FULLNAT local address (LIP) of some service.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsLocalAddress(InetAddress address) => _localAddresses.ContainsKey(address);

    /// <summary>Whether some service has a TUN real server (whose tunnel packets ICMP errors may quote).</summary>
    public bool HasTunnels { get; }

    /// <summary>Whether <paramref name="address"/> is a TUN real server's (ip_vs_find_tunnel).</summary>
    public bool IsTunnelServer(InetAddress address) => _tunnelServers.ContainsKey(address);

    /// <summary>Every FULLNAT local address in the table.</summary>
    public IReadOnlyCollection<InetAddress> LocalAddresses => _localAddresses.Keys;

    /// <summary>The MAC to answer with for an ARP request for <paramref name="address"/> on that interface.</summary>
    public bool TryGetArpAnswer(int ifIndex, InetAddress address, out MacAddress mac) =>
        _arp.TryGetValue(new ArpKey(ifIndex, address), out mac);

    private static (Dictionary<ArpKey, MacAddress> Table, ArpAnswer[] Answers) ArpTable(IEnumerable<ArpAnswer>? arpAnswers)
    {
        var arp = new Dictionary<ArpKey, MacAddress>();
        var answers = new List<ArpAnswer>();
        foreach (var answer in arpAnswers ?? [])
        {
            if (arp.TryAdd(new ArpKey(answer.IfIndex, answer.Address), answer.Mac))
            {
                answers.Add(answer);
            }
        }

        return (arp, [.. answers]);
    }

    private readonly record struct ArpKey(int IfIndex, InetAddress Address);
}
