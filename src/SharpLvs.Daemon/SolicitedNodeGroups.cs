using SharpLvs.Core.Services;
using SharpLvs.Linux.Ports;
using SharpLvs.Packets;

namespace SharpLvs.Daemon;

/// <summary>
/// Keeps lvsd's packet sockets members of the solicited-node multicast group (RFC 4291
/// §2.7.1, on Ethernet 33:33:ff:XX:XX:XX per RFC 2464 §7) of every IPv6 address lvsd answers
/// Neighbour Solicitations for. The host joins that group only for addresses it has on the
/// interface, so on a NIC that filters multicast a solicitation for a VIP on <c>lo</c> or on
/// no interface would otherwise never arrive. A membership belongs to the socket: it ends
/// with lvsd, whatever way lvsd ends.
/// </summary>
internal sealed class SolicitedNodeGroups(ILinkPort port, Action<string> log)
{
    private readonly HashSet<(int IfIndex, MacAddress Group)> _joined = [];

    public static MacAddress GroupOf(InetAddress address) => new(0x3333_FF00_0000UL | (address.Low & 0xFF_FFFFUL));

    /// <summary>Joins the groups <paramref name="answers"/> need and leaves those no longer needed.</summary>
    public void Update(IEnumerable<ArpAnswer> answers)
    {
        var wanted = answers.Where(a => !a.Address.IsIPv4).Select(a => (a.IfIndex, Group: GroupOf(a.Address))).ToHashSet();
        foreach (var stale in _joined.Except(wanted).ToArray())
        {
            if (port.SetMulticastMembership(stale.IfIndex, stale.Group, join: false) is { } error)
            {
                log($"cannot leave {stale.Group} on ifindex {stale.IfIndex}: {error}");
            }

            _joined.Remove(stale);
        }

        foreach (var group in wanted.Except(_joined).ToArray())
        {
            if (port.SetMulticastMembership(group.IfIndex, group.Group, join: true) is { } error)
            {
                log($"cannot join {group.Group} on ifindex {group.IfIndex}: {error}");
                continue;
            }

            _joined.Add(group);
        }
    }
}
