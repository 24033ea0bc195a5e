using SharpLvs.Core.Services;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Packets;

namespace SharpLvs.Daemon;

/// <summary>
/// Decides for which VIPs lvsd itself answers ARP: a VIP configured on no interface of the
/// host has nobody else to answer for it, so lvsd answers on the served interface whose
/// subnet holds it (as the director's own address would be answered). A VIP on an interface
/// or on <c>lo</c> is left to the kernel, as with kernel LVS.
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
            if (vip.IsIPv4 && catalog.Locate(vip).Placement == VipPlacement.Nowhere && catalog.FindSubnet(vip) is { } served)
            {
                answers.Add(new ArpAnswer(served.IfIndex, vip, served.Link.Mac));
            }
        }

        return answers;
    }
}
