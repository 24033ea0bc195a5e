using System.Buffers.Binary;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// Where the transport checksum of a CHECKSUM_PARTIAL frame lives, from the headers alone:
/// the fallback when the ring flags TP_STATUS_CSUMNOTREADY but gives no csum_start.
/// Handles untagged IPv4 (any IHL) and IPv6 without extension headers, TCP and UDP.
/// </summary>
internal static class PartialChecksumLocator
{
    private const int EthernetHeaderLength = 14;

    public static bool TryLocate(ReadOnlySpan<byte> frame, out ushort start, out ushort offset)
    {
        start = 0;
        offset = 0;
        if (frame.Length < EthernetHeaderLength + 40)
        {
            return false;
        }

        byte protocol;
        int transport;
        switch (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]))
        {
            case 0x0800:
                protocol = frame[EthernetHeaderLength + 9];
                transport = EthernetHeaderLength + ((frame[EthernetHeaderLength] & 0x0F) * 4);
                break;
            case 0x86DD:
                protocol = frame[EthernetHeaderLength + 6];
                transport = EthernetHeaderLength + 40;
                break;
            default:
                return false;
        }

        // TCP's checksum is 16 bytes in, UDP's 6 (RFC 9293 section 3.1, RFC 768).
        offset = protocol switch
        {
            6 => 16,
            17 => 6,
            _ => 0,
        };
        start = (ushort)transport;
        return offset != 0 && transport + offset + 2 <= frame.Length;
    }
}
