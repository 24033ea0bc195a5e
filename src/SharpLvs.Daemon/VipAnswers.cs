using SharpLvs.Core.Services;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Packets;

namespace SharpLvs.Daemon;

/// <summary>
/// Decides for which VIPs lvsd itself answers ARP (IPv4) or Neighbour Solicitations (IPv6): a
/// VIP configured on no interface of the host has nobody else to answer for it, so lvsd
/// answers on the served interface whose subnet holds it (as the director's own address would
/// be answered). An IPv4 VIP on an interface or on <c>lo</c> is left to the kernel, as with
/// kernel LVS. An IPv6 VIP on <c>lo</c> is answered by lvsd too: ndisc_recv_ns looks the target
/// up on the receiving interface only (ipv6_get_ifaddr with strict set), so the kernel never
/// answers for an address on <c>lo</c>, and kernel LVS-DR over IPv6 needs the VIP on the
/// interface itself.
/// </summary>
internal sealed class VipAnswers(bool enabled)
{
    private InterfaceCatalog? _catalog;

    public void Refresh(InterfaceCatalog catalog) => _catalog = catalog;

    public IReadOnlyList<ArpAnswer> For(IEnumerable<InetAddress> vips)
    {
        if (!enabled || _catalog is not { } catalog)
        {
            return [];
        }

        var answers = new List<ArpAnswer>();
        foreach (var vip in vips.Distinct())
        {
            var placement = catalog.Locate(vip).Placement;
            var unanswered = placement == VipPlacement.Nowhere || (!vip.IsIPv4 && placement == VipPlacement.Loopback);
            if (unanswered && catalog.FindSubnet(vip) is { } served)
            {
                answers.Add(new ArpAnswer(served.IfIndex, vip, served.Link.Mac));
            }
        }

        return answers;
    }
}
