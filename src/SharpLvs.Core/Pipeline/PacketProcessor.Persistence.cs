using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_sched_persist: a persistent service sends every new connection of a client (its
/// address under the service's netmask) to the real server its persistence template names,
/// while the template lives; the template is an entry of the connection table.
/// </summary>
public sealed partial class PacketProcessor
{
    private const ushort FtpPort = 21;

    private DropReason SchedulePersistent(
        VirtualService service, in FlowKey flow, IpvsTunables tunables, long nowMs, out RealServer? server, out int template)
    {
        var key = service.Key;
        var network = service.PersistenceNetwork(flow.Source);

        // The template's key (client port always 0):
        //   <protocol, cnet, VIP, vport>  a packet to the service's own port (vport 0 for FTP,
        //                                 whose data connections share the template)
        //   <IPPROTO_IP, cnet, mark, 0>   a fwmark service
        //   <protocol, cnet, VIP, 0>      a port-zero service
        var ownPort = flow.DestinationPort == key.Port;
        FlowKey templateKey;
        if (ownPort)
        {
            templateKey = new FlowKey(flow.Protocol, network, 0, flow.Destination, key.Port != FtpPort ? flow.DestinationPort : (ushort)0);
        }
        else if (key.FirewallMark != 0)
        {
            templateKey = new FlowKey(0, network, 0, MarkAddress(key.FirewallMark, !flow.Source.IsIPv4), 0);
        }
        else
        {
            templateKey = new FlowKey(flow.Protocol, network, 0, flow.Destination, 0);
        }

        var connections = Connections;
        template = connections.LookupTemplate(templateKey);
        if (template >= 0)
        {
            // ip_vs_check_template: the template holds while its destination is available
            // and, with expire_quiescent_template, not quiesced.
            server = connections.TemplateServer(template);
            if (server.Available && (tunables.ExpireQuiescentTemplate == 0 || server.Weight != 0))
            {
                return DropReason.None;
            }

            connections.InvalidateTemplate(template);
            template = -1;
        }

        server = ScheduleLocked(service, flow);
        if (server is null)
        {
            // ip_vs_sched_persist's "*ignored = 0": the caller leaves (ip_vs_leave), no template made.
            return DropReason.NoRealServer;
        }

        template = connections.AddTemplate(templateKey, server, service.PersistenceTimeoutMs, nowMs);
        return template < 0 ? DropReason.ConnectionTableFull : DropReason.None;
    }

    /// <summary>The mark as the template's "virtual address": htonl(fwmark) in the first 32 bits (union nf_inet_addr).</summary>
    private static InetAddress MarkAddress(uint mark, bool ipv6) =>
        ipv6 ? InetAddress.FromHalves((ulong)mark << 32, 0) : InetAddress.FromV4(mark);
}
