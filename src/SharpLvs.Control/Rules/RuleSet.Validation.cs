using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Rules;

/// <summary>
/// The checks ip_vs_ctl.c makes before it changes anything (ip_vs_add_service, ip_vs_add_dest,
/// ip_vs_genl_set_cmd), and how a rule is normalised on the way in.
/// </summary>
public sealed partial class RuleSet
{
    private RuleError ValidateService(ServiceRule rule)
    {
        // do_ip_vs_set_ctl refuses other protocols (EFAULT) even for fwmark services; ipvsadm
        // never sends one, so it is folded into EINVAL here.
        if (!rule.IsFirewallMark && rule.Key.Protocol is not (IpProtocolNumbers.Tcp or IpProtocolNumbers.Udp or IpProtocolNumbers.Sctp))
        {
            return RuleError.InvalidOperation;
        }

        if (rule.Scheduler != NoScheduler && !_schedulers.Contains(rule.Scheduler))
        {
            return RuleError.SchedulerNotFound;
        }

        if (rule.PersistenceEngine.Length != 0 && !_persistenceEngines.Contains(rule.PersistenceEngine))
        {
            return RuleError.SchedulerNotFound;
        }

        if (rule.IsIPv6 && rule.Netmask is < 1 or > ServiceRule.HostPrefixV6)
        {
            return RuleError.InvalidOperation;
        }

        return RuleError.None;
    }

    private static RuleError ValidateDestination(ServiceRule service, DestinationRule destination)
    {
        // ip_vs_genl_set_cmd: a family different from the service's only through a tunnel.
        if (destination.Address.IsIPv4 == service.IsIPv6 && destination.Forwarding != ForwardingMethod.Tunnel)
        {
            return RuleError.InvalidOperation;
        }

        // ip_vs_add_dest / ip_vs_edit_dest, in the kernel's order.
        if (destination.Weight < 0 || destination.LowerThreshold > destination.UpperThreshold)
        {
            return RuleError.OutOfRange;
        }

        if (destination.TunnelType == TunnelType.Gue && destination.TunnelPort == 0)
        {
            return RuleError.InvalidOperation;
        }

        return RuleError.None;
    }

    private static bool SameSelection(FirewallMarkRule a, FirewallMarkRule b) =>
        a.Protocol == b.Protocol && a.PrefixLength == b.PrefixLength && a.FirstPort == b.FirstPort && a.LastPort == b.LastPort
        && AddressPrefix.Mask(a.Network, a.PrefixLength) == AddressPrefix.Mask(b.Network, b.PrefixLength);

    private static DestinationRule Localised(DestinationRule destination, bool isLocal) =>
        isLocal && destination.Forwarding != ForwardingMethod.Local
            ? destination with { Forwarding = ForwardingMethod.Local }
            : destination;
}
