using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// The rewriting half of ICMP relaying (PacketProcessor.Icmp.cs decides where an error goes):
/// ip_vs_nat_icmp's rewrite of the outer and quoted headers, the checksums the kernel redoes,
/// and ip_vs_checksum_complete's check of a received message.
/// </summary>
public sealed partial class PacketProcessor
{
    /// <summary>
    /// ip_vs_nat_icmp(inout = 0) as ip_vs_icmp_xmit calls it for NAT, and DPVS's FULLNAT
    /// counterpart: the quote becomes the packet the real server sent (RIP:rport → CIP:cport,
    /// or → LIP:lport), the error goes to RIP (FULLNAT: from LIP). TTL kept, as a NAT
    /// request's (LOCAL_IN → LOCAL_OUT).
    /// </summary>
    private static DropReason NatIcmpToServer(ref PacketDescriptor packet, in InboundPacket outer, IcmpQuote quote,
        ref ConnectionEntry entry, RealServer server)
    {
        var hop = server.NextHop;
        if (hop is null)
        {
            return DropReason.NoNextHop;
        }

        if (hop.Mtu > 0 && outer.IpLength > hop.Mtu)
        {
            return DropReason.FrameTooLarge;
        }

        var frame = packet.Frame;
        var reply = entry.ReplyKey;
        var source = entry.Method == ForwardingMethod.FullNat ? reply.Destination : ReadOuterSource(frame, outer);
        quote.Write(reply.Source, reply.SourcePort, reply.Destination, reply.DestinationPort);
        RewriteOuterAndChecksums(frame, outer, quote, source, reply.Source);
        hop.Destination.WriteTo(frame);
        hop.Source.WriteTo(frame[6..]);
        packet.EgressIfIndex = hop.IfIndex;
        return DropReason.None;
    }

    private static InetAddress ReadOuterSource(Span<byte> frame, in InboundPacket outer) =>
        outer.IsIPv6 ? InetAddress.FromV6(frame[(outer.NetworkOffset + 8)..]) : InetAddress.FromV4(frame[(outer.NetworkOffset + 12)..]);

    /// <summary>
    /// Writes the outer addresses, then every checksum the kernel fixes: the outer IPv4
    /// header's and the quoted IPv4 header's (ip_send_check), and the ICMP checksum over the
    /// whole message (ICMPv6: with the new pseudo-header).
    /// </summary>
    private static void RewriteOuterAndChecksums(Span<byte> frame, in InboundPacket outer, IcmpQuote quote, InetAddress source, InetAddress destination)
    {
        var l3 = frame[outer.NetworkOffset..];
        var message = frame[outer.TransportOffset..(outer.NetworkOffset + outer.IpLength)];
        if (outer.IsIPv6)
        {
            source.WriteTo(l3.Slice(8, 16));
            destination.WriteTo(l3.Slice(24, 16));
            Checksum.ComputeTransport(message, source, destination, IpProtocols.Icmpv6, Icmpv6Header.ChecksumOffset);
            return;
        }

        BinaryPrimitives.WriteUInt32BigEndian(l3[12..], source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(l3[16..], destination.V4);
        var header = l3[..(outer.TransportOffset - outer.NetworkOffset)];
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Checksum.Compute(header));
        quote.RecomputeIpv4HeaderChecksum();
        message[IcmpHeader.ChecksumOffset] = 0;
        message[IcmpHeader.ChecksumOffset + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[IcmpHeader.ChecksumOffset..], Checksum.Compute(message));
    }

    /// <summary>
    /// ip_vs_checksum_complete over the ICMP message (ICMPv6 with its pseudo-header), unless
    /// the port says the checksum is only partial yet, in which case it is completed.
    /// </summary>
    private DropReason VerifyIcmpChecksum(ref PacketDescriptor packet, in InboundPacket outer, Span<byte> message)
    {
        if (packet.NeedsChecksum)
        {
            return CompleteChecksum(ref packet, outer.IsIPv6 ? IpProtocols.Icmpv6 : IpProtocols.Icmp);
        }

        var valid = outer.IsIPv6
            ? Checksum.VerifyTransport(message, ReadOuterSource(packet.Frame, outer),
                InetAddress.FromV6(packet.Frame[(outer.NetworkOffset + 24)..]), IpProtocols.Icmpv6)
            : Checksum.Fold(Checksum.Sum(message)) == 0xFFFF;
        return valid ? DropReason.None : DropReason.BadIcmpChecksum;
    }
}
