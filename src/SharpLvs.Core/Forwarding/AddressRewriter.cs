using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Core.Forwarding;

/// <summary>
/// Rewrites a parsed TCP/UDP packet's addresses and ports to a new flow, in place, with
/// incremental checksum updates (RFC 1624), for either family: the IPv4 header checksum, and
/// the transport checksum through its pseudo-header (tcp_snat_handler/tcp_dnat_handler and
/// the UDP ones in ip_vs_proto_tcp.c / ip_vs_proto_udp.c). A CHECKSUM_PARTIAL field holds only
/// the pseudo-header sum, so just the addresses move it (the kernel's
/// <c>tcp_partial_csum_update</c>); ports are summed later with the rest of the segment.
/// </summary>
internal static class AddressRewriter
{
    private const int Ipv4SourceOffset = 12;
    private const int Ipv4ChecksumOffset = 10;
    private const int Ipv6SourceOffset = 8;

    /// <summary>
    /// Writes <paramref name="to"/>'s addresses and ports over those of <paramref name="from"/>
    /// (the packet's current flow). <paramref name="partial"/> tells that the transport
    /// checksum field holds a CHECKSUM_PARTIAL pseudo-header sum.
    /// </summary>
    public static void Rewrite(Span<byte> frame, in InboundPacket packet, in FlowKey from, in FlowKey to, bool partial)
    {
        var l4 = frame[packet.TransportOffset..];
        var protocol = from.Protocol;
        var checksumOffset = protocol == IpProtocols.Tcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset;
        var checksumField = l4.Slice(checksumOffset, 2);
        var checksum = BinaryPrimitives.ReadUInt16BigEndian(checksumField);

        // UDP over IPv4 with checksum 0 carries none (RFC 768): leave it so (udp_snat_handler).
        var hasChecksum = protocol == IpProtocols.Tcp || checksum != 0 || packet.IsIPv6 || partial;

        if (hasChecksum)
        {
            if (partial)
            {
                if (from.Source != to.Source)
                {
                    checksum = Checksum.UpdatePartialAddress(checksum, from.Source, to.Source);
                }

                if (from.Destination != to.Destination)
                {
                    checksum = Checksum.UpdatePartialAddress(checksum, from.Destination, to.Destination);
                }
            }
            else
            {
                checksum = Checksum.UpdateAddress(checksum, from.Source, to.Source);
                checksum = Checksum.UpdateAddress(checksum, from.Destination, to.Destination);
                checksum = Checksum.UpdateWord(checksum, from.SourcePort, to.SourcePort);
                checksum = Checksum.UpdateWord(checksum, from.DestinationPort, to.DestinationPort);

                // A computed 0 goes out as 0xFFFF for UDP (RFC 768; CSUM_MANGLED_0).
                if (checksum == 0 && protocol == IpProtocols.Udp)
                {
                    checksum = 0xFFFF;
                }
            }

            BinaryPrimitives.WriteUInt16BigEndian(checksumField, checksum);
        }

        BinaryPrimitives.WriteUInt16BigEndian(l4, to.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], to.DestinationPort);

        var l3 = frame[packet.NetworkOffset..];
        if (packet.IsIPv6)
        {
            to.Source.WriteTo(l3.Slice(Ipv6SourceOffset, 16));
            to.Destination.WriteTo(l3.Slice(Ipv6SourceOffset + 16, 16));
            return;
        }

        var headerChecksum = BinaryPrimitives.ReadUInt16BigEndian(l3[Ipv4ChecksumOffset..]);
        headerChecksum = Checksum.UpdateDoubleWord(headerChecksum, from.Source.V4, to.Source.V4);
        headerChecksum = Checksum.UpdateDoubleWord(headerChecksum, from.Destination.V4, to.Destination.V4);
        BinaryPrimitives.WriteUInt32BigEndian(l3[Ipv4SourceOffset..], to.Source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(l3[(Ipv4SourceOffset + 4)..], to.Destination.V4);
        BinaryPrimitives.WriteUInt16BigEndian(l3[Ipv4ChecksumOffset..], headerChecksum);
    }

    /// <summary>
    /// ip_forward's hop: TTL (IPv4, with the header checksum) or hop limit (IPv6) lowered by
    /// one; false, touching nothing, when it would reach 0 (the kernel answers ICMP time
    /// exceeded; that reply is not built here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecrementHopLimit(Span<byte> frame, in InboundPacket packet)
    {
        var l3 = frame[packet.NetworkOffset..];
        if (packet.IsIPv6)
        {
            if (l3[7] <= 1)
            {
                return false;
            }

            l3[7]--;
            return true;
        }

        var ttl = l3[8];
        if (ttl <= 1)
        {
            return false;
        }

        // The TTL is the high byte of the word it shares with the protocol.
        var checksum = BinaryPrimitives.ReadUInt16BigEndian(l3[Ipv4ChecksumOffset..]);
        checksum = Checksum.UpdateWord(checksum, (ushort)(ttl << 8 | l3[9]), (ushort)((ttl - 1) << 8 | l3[9]));
        l3[8] = (byte)(ttl - 1);
        BinaryPrimitives.WriteUInt16BigEndian(l3[Ipv4ChecksumOffset..], checksum);
        return true;
    }
}
