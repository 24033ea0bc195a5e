using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// LVS-TUN (ip_vs_tunnel_xmit / ip_vs_tunnel_xmit_v6 in net/netfilter/ipvs/ip_vs_xmit.c): the
/// client's IP packet, unchanged, is wrapped in a new IP header to the real server (IP-in-IP,
/// or UDP + GUE, or GRE), which unwraps it, holds the VIP itself and answers the client
/// directly. The outer headers are written into the descriptor's headroom in front of the
/// inner packet: no copy. The outer family is the real server's, so an IPv4 service may
/// reach an IPv6 real server and the other way round. The real server's port equals the
/// service's; the control plane enforces that.
/// </summary>
internal sealed class TunnelForwarder : IForwarder
{
    public static readonly TunnelForwarder Instance = new();

    private const int EthernetLength = EthernetFrame.MinHeaderLength;

    // inet_get_local_port_range's defaults (net.ipv4.ip_local_port_range), which
    // udp_flow_src_port maps the inner flow's hash into for the GUE source port.
    private const int LocalPortMin = 32768;
    private const int LocalPortMax = 60999;

    private int _nextId;

    private TunnelForwarder()
    {
    }

    public ForwardingMethod Method => ForwardingMethod.Tunnel;

    public DropReason Inbound(ref PacketDescriptor packet, in InboundPacket inbound, RealServer server)
    {
        var hop = server.NextHop;
        if (hop is null)
        {
            return DropReason.NoNextHop;
        }

        var destination = server.Address;
        var source = hop.PreferredSource;
        if (source.IsNone || source.IsIPv4 != destination.IsIPv4)
        {
            return DropReason.NoTunnelSource;
        }

        // virtio_net_hdr has no IP-in-IP or UDP-tunnel segmentation type, so the port's kernel
        // could not cut an encapsulated super-frame; lvsd turns GRO off so none should come.
        if (packet.Gso != GsoType.None)
        {
            return DropReason.TunnelGso;
        }

        var tunnel = server.Tunnel;
        var outerIpLength = destination.IsIPv4 ? Ipv4Header.MinHeaderLength : Ipv6Header.HeaderLength;

        // ipvs_gue_encap adds the remote-checksum option only to a CHECKSUM_PARTIAL packet.
        var remoteChecksum = tunnel.Type == TunnelEncapsulation.Gue
            && (tunnel.Checksum & TunnelChecksum.Remote) != 0 && packet.NeedsChecksum;
        var encapsulationLength = tunnel.Type switch
        {
            TunnelEncapsulation.Gue => UdpHeader.HeaderLength + GueHeader.HeaderLength
                + (remoteChecksum ? GueHeader.RemoteChecksumOptionsLength : 0),
            TunnelEncapsulation.Gre => GreHeaderLength(tunnel),
            _ => 0,
        };
        var tunnelHeaders = outerIpLength + encapsulationLength;

        // __ip_vs_get_out_rt with IP_VS_RT_MODE_TUNNEL: the room left for the inner packet.
        if (hop.Mtu > 0)
        {
            var mtu = hop.Mtu - tunnelHeaders;
            if (mtu < (destination.IsIPv4 ? 68 : 1280))
            {
                return DropReason.TunnelMtuTooSmall;
            }

            if (inbound.IpLength > mtu)
            {
                return PathTooSmall(ref packet, inbound, mtu);
            }
        }

        var innerStart = packet.Offset + inbound.NetworkOffset;
        var start = innerStart - tunnelHeaders - EthernetLength;
        if (start < PacketDescriptor.PortReserve)
        {
            return DropReason.NoHeadroom;
        }

        var inner = packet.Frame.Slice(inbound.NetworkOffset, inbound.IpLength);
        var checksumStart = packet.ChecksumStart - inbound.NetworkOffset;
        if (packet.NeedsChecksum && !remoteChecksum && HasOuterChecksum(tunnel))
        {
            // The outer checksum covers the inner packet, so the inner one is finished first.
            if (!Checksum.CompletePartial(inner, checksumStart, packet.ChecksumOffset))
            {
                return DropReason.BadPartialChecksum;
            }

            packet.NeedsChecksum = false;
        }

        // ip_vs_prepare_tunneled_skb: TTL and DS field from the inner header (ECN as
        // INET_ECN_encapsulate), DF copied from an IPv4 inner packet (pmtu_disc on).
        byte innerProtocol, dsField, ttl;
        var dontFragment = false;
        if (inbound.IsIPv6)
        {
            innerProtocol = IpProtocols.Ipv6;
            dsField = (byte)(BinaryPrimitives.ReadUInt16BigEndian(inner) >> 4);
            ttl = inner[7];
        }
        else
        {
            innerProtocol = IpProtocols.IpIp;
            dsField = inner[1];
            ttl = inner[8];
            dontFragment = (inner[6] & 0x40) != 0;
        }

        dsField = EcnEncapsulate(dsField);
        var frame = packet.WholeBuffer.Slice(start, EthernetLength + tunnelHeaders + inbound.IpLength);
        var encapsulation = frame.Slice(EthernetLength + outerIpLength, encapsulationLength + inbound.IpLength);
        var outerProtocol = innerProtocol;
        switch (tunnel.Type)
        {
            case TunnelEncapsulation.Gue:
                WriteGue(encapsulation, inbound, tunnel, innerProtocol, remoteChecksum ? checksumStart : -1, packet.ChecksumOffset, source, destination);
                outerProtocol = IpProtocols.Udp;
                break;
            case TunnelEncapsulation.Gre:
                WriteGre(encapsulation, tunnel, inbound.IsIPv6);
                outerProtocol = IpProtocols.Gre;
                break;
        }

        var ip = frame[EthernetLength..];
        if (destination.IsIPv4)
        {
            PacketWriter.WriteIpv4(ip, source, destination, outerProtocol, encapsulation.Length, ttl, NextId(), dontFragment, dsField);
        }
        else
        {
            PacketWriter.WriteIpv6(ip, source, destination, outerProtocol, encapsulation.Length, ttl, dsField);
        }

        PacketWriter.WriteEthernet(frame, hop.Destination, hop.Source, destination.IsIPv4 ? EtherTypes.Ipv4 : EtherTypes.Ipv6);

        if (remoteChecksum)
        {
            // The receiver completes it (gue_remcsum); the frame leaves with the partial sum.
            packet.NeedsChecksum = false;
        }
        else if (packet.NeedsChecksum)
        {
            // Still partial: the pipeline completes it at its new place in the frame.
            packet.ChecksumStart = (ushort)(packet.ChecksumStart + packet.Offset - start);
        }

        packet.Offset = start;
        packet.Length = frame.Length;
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }

    /// <summary>
    /// ensure_mtu_is_adequate: an IPv4 packet with DF, or any IPv6 packet, that does not fit
    /// the tunnel becomes an ICMP "fragmentation needed" / "packet too big" carrying the
    /// tunnel's MTU, sent back to the client. An IPv4 packet without DF would have its outer
    /// packet fragmented by the kernel; that is not done here.
    /// </summary>
    private static DropReason PathTooSmall(ref PacketDescriptor packet, in InboundPacket inbound, int mtu)
    {
        if (!inbound.IsIPv6 && (packet.Frame[inbound.NetworkOffset + 6] & 0x40) == 0)
        {
            return DropReason.TunnelNeedsFragmentation;
        }

        return IcmpReply.TooBig(ref packet, inbound, mtu, Instance.NextId());
    }

    private static bool HasOuterChecksum(TunnelSettings tunnel) =>
        tunnel.Type != TunnelEncapsulation.IpIp && tunnel.Checksum != TunnelChecksum.None;

    private static int GreHeaderLength(TunnelSettings tunnel) =>
        (tunnel.Checksum & TunnelChecksum.Checksum) != 0 ? 8 : 4;

    /// <summary>ipvs_gue_encap, then udp_set_csum / udp6_set_csum: a zero UDP checksum unless a checksum option is set.</summary>
    private static void WriteGue(Span<byte> udp, in InboundPacket inbound, TunnelSettings tunnel, byte innerProtocol, int checksumStart, int checksumOffset,
        InetAddress source, InetAddress destination)
    {
        var gueLength = GueHeader.Write(udp[UdpHeader.HeaderLength..], innerProtocol, checksumStart, checksumStart + checksumOffset);
        PacketWriter.WriteUdp(udp, FlowSourcePort(inbound), tunnel.Port, gueLength + inbound.IpLength);
        if (tunnel.Checksum != TunnelChecksum.None)
        {
            Checksum.ComputeTransport(udp, source, destination, IpProtocols.Udp, 6);
        }
    }

    /// <summary>ipvs_gre_encap (gre_build_header): RFC 2784 with the optional checksum over header and payload.</summary>
    private static void WriteGre(Span<byte> gre, TunnelSettings tunnel, bool innerIsIPv6)
    {
        var withChecksum = (tunnel.Checksum & TunnelChecksum.Checksum) != 0;
        BinaryPrimitives.WriteUInt16BigEndian(gre, withChecksum ? (ushort)0x8000 : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(gre[2..], innerIsIPv6 ? EtherTypes.Ipv6 : EtherTypes.Ipv4);
        if (withChecksum)
        {
            BinaryPrimitives.WriteUInt32BigEndian(gre[4..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(gre[4..], Checksum.Compute(gre));
        }
    }

    /// <summary>udp_flow_src_port: the inner flow's hash scaled into the local port range, so one flow keeps one outer port.</summary>
    private static ushort FlowSourcePort(in InboundPacket inbound)
    {
        var hash = (uint)inbound.Flow.GetHashCode();
        return (ushort)((((ulong)hash * (LocalPortMax - LocalPortMin)) >> 32) + LocalPortMin);
    }

    /// <summary>INET_ECN_encapsulate(ds, ds): the outer header copies ECT, but a CE inner packet gets ECT(0) outside.</summary>
    internal static byte EcnEncapsulate(byte dsField) =>
        (dsField & 0x3) == 0x3 ? (byte)((dsField & ~0x3) | 0x2) : dsField;

    /// <summary>ip_select_ident: a fresh identification for each outer packet.</summary>
    private ushort NextId() => (ushort)Interlocked.Increment(ref _nextId);
}
