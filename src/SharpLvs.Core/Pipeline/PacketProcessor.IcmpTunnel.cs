using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_in_icmp's tunnel case ("Special case for errors for IPIP/UDP/GRE tunnel packets"): an
/// ICMP error from the path between the director and a TUN real server quotes the director's
/// own IP-in-IP (GUE, GRE) packet. Behind the tunnel headers lies the client's packet as the
/// client sent it (CIP:cport → VIP:vport, not inverted); for its connection the error is sent
/// on to the client (icmp_send) about that packet, a fragmentation-needed with the tunnel's
/// overhead taken off the MTU, so that the client's path MTU discovery works through a TUN
/// director. IPv4 only, as the kernel's.
/// </summary>
public sealed partial class PacketProcessor
{
    private const int GueBaseLength = 4;
    private const ushort GreChecksumFlag = 0x8000;

    /// <summary>
    /// Handles the error if it quotes a tunnel packet of a TUN connection; <paramref name="handled"/>
    /// false leaves it to the other paths (a NAT connection's, or the host).
    /// </summary>
    private DropReason RelayTunnelError(ref PacketDescriptor packet, in InboundPacket outer, Span<byte> message, ServiceTable table, long nowMs,
        out Verdict verdict, out bool handled)
    {
        verdict = Verdict.PassToKernel;
        handled = false;
        var quote = message[IcmpHeader.HeaderLength..];
        if (quote.Length < Ipv4Header.MinHeaderLength || quote[0] >> 4 != 4)
        {
            return DropReason.None;
        }

        var headerLength = (quote[0] & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinHeaderLength || headerLength > quote.Length
            || (BinaryPrimitives.ReadUInt16BigEndian(quote[6..]) & 0x1FFF) != 0)
        {
            return DropReason.None;
        }

        // ip_vs_find_tunnel: only for a known tunnel to a real server.
        var rip = InetAddress.FromV4(quote[16..]);
        if (!table.IsTunnelServer(rip) || !TrySkipTunnelHeaders(quote[headerLength..], quote[9], out var innerOffset))
        {
            return DropReason.None;
        }

        var innerStart = IcmpHeader.HeaderLength + headerLength + innerOffset;
        var inner = message[innerStart..];
        if (IcmpQuote.TryParse(inner, isIPv6: false, out var client) != IcmpQuoteParseResult.Ok
            || client.Protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            return DropReason.None;
        }

        var key = new FlowKey(client.Protocol, client.Source, client.SourcePort, client.Destination, client.DestinationPort);
        var index = Connections.Lookup(key);
        if (index < 0 || Connections[index].Method != ForwardingMethod.Tunnel || Connections[index].Server!.Address != rip)
        {
            // No schedule_icmp for a tunnel error: the kernel accepts it.
            return DropReason.None;
        }

        // ip_vs_find_tunnel's match: the real server's encapsulation, and for GUE its port.
        var tunnel = Connections[index].Server!.Tunnel;
        var encapsulation = quote[9] switch
        {
            IpProtocols.IpIp => tunnel.Type == TunnelEncapsulation.IpIp,
            IpProtocols.Udp => tunnel.Type == TunnelEncapsulation.Gue
                && BinaryPrimitives.ReadUInt16BigEndian(quote[(headerLength + 2)..]) == tunnel.Port,
            _ => tunnel.Type == TunnelEncapsulation.Gre,
        };
        if (!encapsulation)
        {
            return DropReason.None;
        }

        handled = true;
        verdict = Verdict.Drop;
        var checksum = VerifyIcmpChecksum(ref packet, outer, message);
        if (checksum != DropReason.None)
        {
            return checksum;
        }

        var type = message[0];
        var code = message[1];
        var rest = BinaryPrimitives.ReadUInt32BigEndian(message[4..]);
        var server = Connections[index].Server!;
        if (type == IcmpTypes.DestinationUnreachable && code == IcmpTypes.CodeFragmentationNeeded)
        {
            // "Client uses PMTUD?" Without DF the client cannot act on it: consumed.
            if ((inner[6] & 0x40) == 0)
            {
                return DropReason.IcmpTunnelErrorWithoutDf;
            }

            // "Prefer the resulting PMTU", less the outer IPv4 header, as the kernel takes it
            // off (only 20 bytes, GUE and GRE included).
            var mtu = (uint)BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
            if (server.NextHop is { Mtu: > 0 } path && path.Mtu < mtu)
            {
                mtu = (uint)path.Mtu;
            }

            if (mtu > 68 + Ipv4Header.MinHeaderLength)
            {
                mtu -= Ipv4Header.MinHeaderLength;
            }

            rest = mtu;
        }

        var to = client.Source;
        if (!NextHops.TryGet(to, out var hop))
        {
            NextHops.Request(to, WorkerIndex);
            return DropReason.NoNextHop;
        }

        // icmp_send's rate limit (a fragmentation-needed is never limited: icmpv4_mask_allow).
        if (!(type == IcmpTypes.DestinationUnreachable && code == IcmpTypes.CodeFragmentationNeeded))
        {
            var limit = _icmpLimiter.TryTake(to, nowMs);
            if (limit != IcmpLimit.None)
            {
                Counters.CountIcmpRateLimited(limit == IcmpLimit.Global);
                return DropReason.IcmpTunnelErrorRateLimited;
            }
        }

        // icmp_send from the VIP (the client's packet was for a local address) to the client,
        // quoting the client's packet as far as the router quoted it.
        var whole = packet.WholeBuffer;
        var innerAbsolute = packet.Offset + outer.TransportOffset + innerStart;
        var quoteLength = IcmpErrorWriter.Ipv4QuoteLength(inner.Length);
        var start = innerAbsolute - IcmpErrorWriter.Ipv4HeadersLength - EthernetFrame.MinHeaderLength;
        var error = whole.Slice(start + EthernetFrame.MinHeaderLength, IcmpErrorWriter.Ipv4HeadersLength + quoteLength);
        var written = IcmpErrorWriter.WriteIpv4Error(error, client.Destination, to, type, code, rest,
            IcmpErrorWriter.Ipv4ErrorTos(inner[1]), ++_icmpId);
        if (written == 0)
        {
            // Cannot happen (an IPv4 quote clamped to fit); named anyway.
            return DropReason.ShortFrame;
        }

        PacketWriter.WriteEthernet(whole[start..], hop.Destination, hop.Source, EtherTypes.Ipv4);
        packet.Offset = start;
        packet.Length = EthernetFrame.MinHeaderLength + written;
        packet.NeedsChecksum = false;
        packet.EgressIfIndex = hop.IfIndex;

        // "ICMP can be shorter but anyways, account it": ip_vs_out_stats.
        server.Stats.CountOut(written, _shared);
        Connections[index].ServiceStats!.CountOut(written, _shared);
        Counters.Totals.CountOut(written, _shared);
        Counters.CountIcmpRelayed();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// The tunnel headers after the quoted outer IPv4 header, as ipvs_udp_decap / ipvs_gre_decap
    /// accept them: IP-in-IP (none), GUE version 0 data carrying IPv4, GRE version 0 with at
    /// most the checksum flag carrying IPv4.
    /// </summary>
    private static bool TrySkipTunnelHeaders(ReadOnlySpan<byte> payload, byte protocol, out int length)
    {
        length = 0;
        switch (protocol)
        {
            case IpProtocols.IpIp:
                return true;
            case IpProtocols.Udp:
                if (payload.Length < UdpHeader.HeaderLength + GueBaseLength)
                {
                    return false;
                }

                var gue = payload[UdpHeader.HeaderLength..];

                // Version (2 bits) and C (control) both 0, proto_ctype IPPROTO_IPIP.
                if ((gue[0] & 0xE0) != 0 || gue[1] != IpProtocols.IpIp)
                {
                    return false;
                }

                length = UdpHeader.HeaderLength + GueBaseLength + (gue[0] & 0x1F) * 4;
                return payload.Length >= length;
            case IpProtocols.Gre:
                if (payload.Length < 4)
                {
                    return false;
                }

                var flags = BinaryPrimitives.ReadUInt16BigEndian(payload);
                if ((flags & ~GreChecksumFlag) != 0 || BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) != EtherTypes.Ipv4)
                {
                    return false;
                }

                length = (flags & GreChecksumFlag) != 0 ? 8 : 4;
                return payload.Length >= length;
            default:
                return false;
        }
    }
}
