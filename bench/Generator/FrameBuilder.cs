using System.Buffers.Binary;
using System.Net;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// Writes the benchmark's 60-byte Ethernet/IPv4/UDP frame: the smallest frame Ethernet
/// carries without padding (14 + 20 + 8 + 18 bytes of payload), checksums complete.
/// </summary>
internal static class FrameBuilder
{
    public const int FrameLength = 60;
    public const int PayloadLength = FrameLength - 14 - 20 - 8;

    public static void Write(Span<byte> frame, ReadOnlySpan<byte> dstMac, ReadOnlySpan<byte> srcMac,
        IPAddress srcIp, IPAddress dstIp, ushort srcPort, ushort dstPort)
    {
        frame = frame[..FrameLength];
        frame.Clear();
        dstMac.CopyTo(frame);
        srcMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);

        var ip = frame.Slice(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 20 + 8 + PayloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF, as a UDP socket sends it.
        ip[8] = 64;
        ip[9] = 17;
        srcIp.TryWriteBytes(ip[12..], out _);
        dstIp.TryWriteBytes(ip[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Fold(Sum(ip, 0)));

        var udp = frame.Slice(34, 8 + PayloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        for (var i = 8; i < udp.Length; i++)
        {
            udp[i] = (byte)('a' + i - 8);
        }

        // RFC 768: the checksum covers a pseudo-header (addresses, protocol, UDP length).
        uint pseudo = 17u + (uint)udp.Length;
        pseudo = Sum(ip.Slice(12, 8), pseudo);
        var checksum = Fold(Sum(udp, pseudo));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
