using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// IPv4/IPv6 and TCP/UDP parsing into an <see cref="InboundPacket"/>. The destination is read
/// first: a frame for an address that is no VIP goes to the host untouched, whatever its
/// shape; a malformed frame for a VIP is dropped under the reason the kernel's checks would
/// give (ip_rcv_core, ipv6_rcv, the TCP/UDP header pulls).
/// </summary>
public sealed partial class PacketProcessor
{
    private const int Ipv4DestinationOffset = 16;
    private const int Ipv6DestinationOffset = 24;

    private DropReason ProcessIpv4(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        var l3 = eth.Payload;
        if (l3.Length < Ipv4Header.MinHeaderLength)
        {
            return DropReason.None;
        }

        if (!table.IsVirtualAddress(InetAddress.FromV4(l3[Ipv4DestinationOffset..])))
        {
            if (l3[9] == IpProtocols.Icmp && (table.HasReplyPath || table.HasTunnels))
            {
                return ProcessIcmpReplyIpv4(ref packet, eth, table, nowMs, out verdict);
            }

            return table.HasReplyPath ? ProcessReplyIpv4(ref packet, eth, table, nowMs, out verdict) : DropReason.None;
        }

        verdict = Verdict.Drop;
        switch (Ipv4Header.TryParse(l3, out var ip))
        {
            case Ipv4ParseResult.Ok:
                break;
            case Ipv4ParseResult.BadVersion:
                return DropReason.BadIpVersion;
            case Ipv4ParseResult.BadHeaderLength:
                return DropReason.BadIpHeaderLength;
            case Ipv4ParseResult.BadTotalLength:
                // ip_rcv_core tells a frame cut short (IPSTATS_MIB_INTRUNCATEDPKTS) from a
                // total length below the header's (IPSTATS_MIB_INHDRERRORS).
                return BinaryPrimitives.ReadUInt16BigEndian(l3[2..]) > l3.Length
                    ? DropReason.ShortFrame
                    : DropReason.BadIpTotalLength;
            default:
                return DropReason.ShortFrame;
        }

        // Only the first fragment carries the ports; the others follow it (fragment cache).
        if (ip.IsFragment)
        {
            return ProcessFragmentIpv4(ref packet, eth, ip, table, nowMs, out verdict);
        }

        var protocol = ip.Protocol;
        if (protocol == IpProtocols.Icmp)
        {
            return ProcessIcmpToVirtualIpv4(ref packet, eth, ip, table, nowMs, out verdict);
        }

        if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            // Other protocols are the host's, as ip_vs_in accepts what it has no protocol
            // handler for.
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        var inbound = default(InboundPacket);
        inbound.NetworkOffset = eth.HeaderLength;
        inbound.TransportOffset = eth.HeaderLength + ip.HeaderLength;
        inbound.IpLength = ip.TotalLength;
        var reason = ParseTransport(ip.Payload, protocol, ip.Source, ip.Destination, ref inbound);
        if (reason != DropReason.None)
        {
            return reason;
        }

        return ProcessVirtual(ref packet, ref inbound, table, nowMs, out verdict);
    }

    private DropReason ProcessIpv6(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        var l3 = eth.Payload;
        if (l3.Length < Ipv6Header.HeaderLength)
        {
            return DropReason.None;
        }

        if (!table.IsVirtualAddress(InetAddress.FromV6(l3[Ipv6DestinationOffset..])))
        {
            if (!table.HasReplyPath)
            {
                return DropReason.None;
            }

            return l3[6] == IpProtocols.Icmpv6
                ? ProcessIcmpReplyIpv6(ref packet, eth, table, nowMs, out verdict)
                : ProcessReplyIpv6(ref packet, eth, table, nowMs, out verdict);
        }

        verdict = Verdict.Drop;
        switch (Ipv6Header.TryParse(l3, out var ip))
        {
            case Ipv6ParseResult.Ok:
                break;
            case Ipv6ParseResult.BadVersion:
                return DropReason.BadIpVersion;
            case Ipv6ParseResult.BadPayloadLength:
                // ipv6_rcv: a payload length beyond the frame is a truncated packet.
                return DropReason.ShortFrame;
            default:
                return DropReason.ShortFrame;
        }

        if (!ip.TrySkipExtensionHeaders(out var upper))
        {
            return DropReason.BadIpv6ExtensionHeaders;
        }

        // An atomic fragment (offset 0, M clear) is a whole packet (RFC 6946).
        if (upper.IsFragment && (upper.FragmentOffset != 0 || upper.MoreFragments))
        {
            return ProcessFragmentIpv6(ref packet, eth, ip, upper, table, nowMs, out verdict);
        }

        var protocol = upper.Protocol;
        if (protocol == IpProtocols.Icmpv6)
        {
            return ProcessIcmpToVirtualIpv6(ref packet, eth, ip, upper, table, nowMs, out verdict);
        }

        if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            verdict = Verdict.PassToKernel;
            return DropReason.None;
        }

        var inbound = default(InboundPacket);
        inbound.IsIPv6 = true;
        inbound.NetworkOffset = eth.HeaderLength;
        inbound.TransportOffset = eth.HeaderLength + Ipv6Header.HeaderLength + upper.Offset;
        inbound.IpLength = ip.Bytes.Length;
        var reason = ParseTransport(ip.Payload[upper.Offset..], protocol, ip.Source, ip.Destination, ref inbound);
        if (reason != DropReason.None)
        {
            return reason;
        }

        return ProcessVirtual(ref packet, ref inbound, table, nowMs, out verdict);
    }

    private static DropReason ParseTransport(Span<byte> transport, byte protocol, InetAddress source, InetAddress destination, ref InboundPacket inbound)
    {
        ushort sourcePort;
        ushort destinationPort;
        if (protocol == IpProtocols.Tcp)
        {
            switch (TcpHeader.TryParse(transport, out var tcp))
            {
                case TransportParseResult.Ok:
                    break;
                case TransportParseResult.BadHeaderLength:
                    return DropReason.BadTcpHeaderLength;
                default:
                    return DropReason.ShortTransportHeader;
            }

            sourcePort = tcp.SourcePort;
            destinationPort = tcp.DestinationPort;
            inbound.TcpFlags = (byte)tcp.Flags;
        }
        else
        {
            switch (UdpHeader.TryParse(transport, out var udp))
            {
                case TransportParseResult.Ok:
                    break;
                case TransportParseResult.BadLength:
                    return DropReason.BadUdpLength;
                default:
                    return DropReason.ShortTransportHeader;
            }

            sourcePort = udp.SourcePort;
            destinationPort = udp.DestinationPort;
        }

        inbound.Flow = new FlowKey(protocol, source, sourcePort, destination, destinationPort);
        return DropReason.None;
    }
}
