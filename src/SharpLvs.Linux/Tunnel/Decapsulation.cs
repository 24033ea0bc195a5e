using System.Buffers.Binary;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tunnel;

/// <summary>Why a received tunnel packet was not delivered (each is counted by name).</summary>
public enum DecapsulationDrop
{
    None = 0,

    /// <summary>The outer IPv4 header is cut short or malformed.</summary>
    BadOuterHeader,

    /// <summary>The outer protocol is neither IP-in-IP (4) nor IPv6-in-IP (41).</summary>
    NotTunnelProtocol,

    /// <summary>The inner packet is not an IP packet of the family the outer protocol says, or is cut short.</summary>
    BadInnerPacket,

    /// <summary>A GUE header cut short, or of a version other than 0 and 1.</summary>
    BadGueHeader,

    /// <summary>A GUE control message (C bit): nothing to deliver.</summary>
    GueControl,

    /// <summary>A remote-checksum option pointing outside the inner packet.</summary>
    BadRemoteChecksum,

    /// <summary>A GRE header cut short, of a version other than 0, routed, or for a protocol other than IPv4/IPv6.</summary>
    BadGreHeader,
}

/// <summary>
/// Unwraps what an LVS director sends a TUN real server (ip_vs_tunnel_xmit): IP-in-IP or GRE
/// as a raw socket hands it over, or the payload of a GUE datagram (fou/gue's gue_udp_recv, with
/// gue_remcsum for the remote-checksum option). The result is the inner IP packet, trimmed to
/// its own length, ready for a TUN device. Pure functions over spans: no allocation.
/// </summary>
public static class Decapsulation
{
    /// <summary>
    /// An AF_INET raw socket's datagram: the outer IPv4 header and its payload (the kernel
    /// has reassembled fragments before raw delivery); IP-in-IP (4, 41) or GRE (47).
    /// </summary>
    public static DecapsulationDrop FromIpv4Packet(Span<byte> packet, out Span<byte> inner)
    {
        inner = default;
        if (packet.Length < Ipv4Header.MinHeaderLength || packet[0] >> 4 != 4)
        {
            return DecapsulationDrop.BadOuterHeader;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < Ipv4Header.MinHeaderLength || totalLength < headerLength || totalLength > packet.Length)
        {
            return DecapsulationDrop.BadOuterHeader;
        }

        var payload = packet[headerLength..totalLength];
        return packet[9] == IpProtocols.Gre ? FromGre(payload, out inner) : FromPayload(payload, packet[9], out inner);
    }

    /// <summary>
    /// An outer payload whose protocol is known (an AF_INET6 raw socket hands over the
    /// payload only): <paramref name="protocol"/> 4 carries IPv4, 41 carries IPv6.
    /// </summary>
    public static DecapsulationDrop FromPayload(Span<byte> payload, byte protocol, out Span<byte> inner)
    {
        inner = default;
        int version;
        switch (protocol)
        {
            case IpProtocols.IpIp:
                version = 4;
                break;
            case IpProtocols.Ipv6:
                version = 6;
                break;
            default:
                return DecapsulationDrop.NotTunnelProtocol;
        }

        return TrimInner(payload, version, out inner);
    }

    /// <summary>A GUE datagram's UDP payload (draft-ietf-intarea-gue, versions 0 and 1).</summary>
    public static DecapsulationDrop FromGue(Span<byte> payload, out Span<byte> inner)
    {
        inner = default;
        if (!GueHeader.TryParse(payload, out var gue) || gue.Version > 1)
        {
            return DecapsulationDrop.BadGueHeader;
        }

        if (gue.Version == 0 && gue.IsControl)
        {
            return DecapsulationDrop.GueControl;
        }

        var drop = FromPayload(gue.Payload, gue.Protocol, out inner);
        if (drop != DecapsulationDrop.None)
        {
            return drop;
        }

        // gue_remcsum: the sender left the inner transport checksum partial (the field
        // holds the pseudo-header sum); finish it over the inner packet from `start`.
        if (gue.TryGetRemoteChecksum(out var start, out var field))
        {
            if (field < start || field - start > ushort.MaxValue || !Checksum.CompletePartial(inner, start, field - start))
            {
                return DecapsulationDrop.BadRemoteChecksum;
            }
        }

        return DecapsulationDrop.None;
    }

    /// <summary>
    /// A GRE packet's payload (RFC 2784, with RFC 2890's key and sequence fields skipped), as
    /// ipvs_gre_encap sends it: the protocol type names the inner family. The optional
    /// checksum is not verified (the kernel's gre_parse_header does when present; the inner
    /// packet carries its own checks).
    /// </summary>
    public static DecapsulationDrop FromGre(Span<byte> payload, out Span<byte> inner)
    {
        inner = default;
        if (payload.Length < 4)
        {
            return DecapsulationDrop.BadGreHeader;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if ((flags & 0x4007) != 0)
        {
            // Routing present (obsolete, RFC 1701) or version not 0.
            return DecapsulationDrop.BadGreHeader;
        }

        var length = 4 + ((flags & 0x8000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0) + ((flags & 0x1000) != 0 ? 4 : 0);
        if (payload.Length < length)
        {
            return DecapsulationDrop.BadGreHeader;
        }

        var protocol = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) switch
        {
            EtherTypes.Ipv4 => IpProtocols.IpIp,
            EtherTypes.Ipv6 => IpProtocols.Ipv6,
            _ => (byte)0,
        };
        return protocol == 0 ? DecapsulationDrop.BadGreHeader : FromPayload(payload[length..], protocol, out inner);
    }

    private static DecapsulationDrop TrimInner(Span<byte> payload, int version, out Span<byte> inner)
    {
        inner = default;
        if (payload.Length < 1 || payload[0] >> 4 != version)
        {
            return DecapsulationDrop.BadInnerPacket;
        }

        int length;
        if (version == 4)
        {
            if (payload.Length < Ipv4Header.MinHeaderLength)
            {
                return DecapsulationDrop.BadInnerPacket;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
            if (length < (payload[0] & 0x0F) * 4 || length < Ipv4Header.MinHeaderLength)
            {
                return DecapsulationDrop.BadInnerPacket;
            }
        }
        else
        {
            if (payload.Length < Ipv6Header.HeaderLength)
            {
                return DecapsulationDrop.BadInnerPacket;
            }

            length = Ipv6Header.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
        }

        if (length > payload.Length)
        {
            return DecapsulationDrop.BadInnerPacket;
        }

        inner = payload[..length];
        return DecapsulationDrop.None;
    }
}
