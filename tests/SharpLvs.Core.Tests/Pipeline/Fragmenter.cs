using System.Buffers.Binary;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Cuts a whole untagged frame into fragments as a sending Linux host does: ip_do_fragment
/// (IPv4: the header copied, payload in multiples of 8 but the last, MF and offset set, the
/// header checksum recomputed) and ip6_fragment (RFC 8200 §4.5: a fragment header after the
/// IPv6 header, its next header the original one). Test code only.
/// </summary>
internal static class Fragmenter
{
    private const int Ethernet = 14;

    public static byte[][] Ipv4(byte[] frame, ushort id, int mtu = 1500)
    {
        var headerLength = (frame[Ethernet] & 0x0F) * 4;
        var payload = frame.AsSpan(Ethernet + headerLength);
        var chunk = (mtu - headerLength) & ~7;
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < payload.Length; offset += chunk)
        {
            var length = Math.Min(chunk, payload.Length - offset);
            var more = offset + length < payload.Length;
            var fragment = new byte[Ethernet + headerLength + length];
            frame.AsSpan(0, Ethernet + headerLength).CopyTo(fragment);
            payload.Slice(offset, length).CopyTo(fragment.AsSpan(Ethernet + headerLength));
            var ip = fragment.AsSpan(Ethernet);
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(headerLength + length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..headerLength]));
            fragments.Add(fragment);
        }

        return [.. fragments];
    }

    public static byte[][] Ipv6(byte[] frame, uint id, int mtu = 1500)
    {
        const int Header = 40;
        const int FragmentHeader = 8;
        var nextHeader = frame[Ethernet + 6];
        var payload = frame.AsSpan(Ethernet + Header);
        var chunk = (mtu - Header - FragmentHeader) & ~7;
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < payload.Length; offset += chunk)
        {
            var length = Math.Min(chunk, payload.Length - offset);
            var more = offset + length < payload.Length;
            var fragment = new byte[Ethernet + Header + FragmentHeader + length];
            frame.AsSpan(0, Ethernet + Header).CopyTo(fragment);
            var ip = fragment.AsSpan(Ethernet);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(FragmentHeader + length));
            ip[6] = IpProtocols.Ipv6Fragment;
            var header = ip.Slice(Header, FragmentHeader);
            header[0] = nextHeader;
            header[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], id);
            payload.Slice(offset, length).CopyTo(ip[(Header + FragmentHeader)..]);
            fragments.Add(fragment);
        }

        return [.. fragments];
    }

    /// <summary>The IP packet of each fragment joined back by offset (what the real server's kernel reassembles), IPv4 only.</summary>
    public static byte[] ReassembleIpv4Payload(IEnumerable<byte[]> fragments)
    {
        var parts = fragments
            .Select(f => (Offset: (BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(Ethernet + 6)) & 0x1FFF) * 8, Data: f[(Ethernet + (f[Ethernet] & 0x0F) * 4)..]))
            .OrderBy(p => p.Offset)
            .ToArray();
        var whole = new byte[parts[^1].Offset + parts[^1].Data.Length];
        foreach (var (offset, data) in parts)
        {
            data.CopyTo(whole, offset);
        }

        return whole;
    }
}
