using SharpLvs.Packets;

namespace SharpLvs.Control.Rules;

/// <summary>
/// A virtual service with its real servers, immutable. Destinations are in the kernel's list
/// order: the newest first, because __ip_vs_update_dest adds with <c>list_add_rcu</c> at the
/// head, and schedulers such as rr walk that list from the head.
/// </summary>
public sealed record ServiceEntry(ServiceRule Service, IReadOnlyList<DestinationRule> Destinations)
{
    /// <summary>FULLNAT local addresses (DPVS's <c>--add-laddr</c>), in the order added.</summary>
    public IReadOnlyList<InetAddress> LocalAddresses { get; init; } = [];
}
