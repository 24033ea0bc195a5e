using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>
/// Generic UDP Encapsulation, version 0 (draft-ietf-intarea-gue §3.1), as the kernel's IPVS
/// writes it (ipvs_gue_encap, net/netfilter/ipvs/ip_vs_xmit.c) and fou/gue reads it
/// (gue_udp_recv, net/ipv4/fou_core.c):
/// <code>
///  0                   1                   2                   3
/// |Ver|C|  Hlen   |  Proto/ctype  |             Flags             |
/// |  optional fields (Hlen × 4 bytes): private flags, remcsum ... |
/// </code>
/// With the private flag, the first optional word holds private flags; its REMCSUM bit
/// announces a remote-checksum-offload option (start, offset: 16 bits each, counted from the
/// end of the GUE header) for the receiver to complete.
/// </summary>
public ref struct GueHeader
{
    public const int HeaderLength = 4;

    /// <summary>GUE_FLAG_PRIV: a private-flags word follows the header.</summary>
    public const ushort FlagPrivate = 0x0001;

    /// <summary>GUE_PFLAG_REMCSUM in the private-flags word.</summary>
    public const uint PrivateFlagRemoteChecksum = 0x8000_0000;

    /// <summary>GUE_LEN_PRIV + GUE_PLEN_REMCSUM: the optional fields of a remote-checksum header.</summary>
    public const int RemoteChecksumOptionsLength = 8;

    private readonly Span<byte> _bytes;

    private GueHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>
    /// Parses a GUE header at the start of a UDP payload. Version 1 (the payload is an IPv4 or
    /// IPv6 packet directly, §4) is reported as such; version 0 needs its whole header present.
    /// </summary>
    public static bool TryParse(Span<byte> payload, out GueHeader gue)
    {
        gue = default;
        if (payload.Length < HeaderLength && !(payload.Length >= 1 && payload[0] >> 6 == 1))
        {
            return false;
        }

        gue = new GueHeader(payload);
        return gue.Version == 1 || payload.Length >= gue.TotalLength;
    }

    public readonly int Version => _bytes[0] >> 6;

    /// <summary>C bit: a control message, not data.</summary>
    public readonly bool IsControl => (_bytes[0] & 0x20) != 0;

    /// <summary>Length of the header with its optional fields (0 for version 1, whose payload starts at once).</summary>
    public readonly int TotalLength => Version == 1 ? 0 : HeaderLength + ((_bytes[0] & 0x1F) << 2);

    /// <summary>The inner packet's IP protocol (4 or 41); for version 1, by the IP version nibble.</summary>
    public readonly byte Protocol => Version == 1
        ? (_bytes[0] >> 4 == 4 ? IpProtocols.IpIp : IpProtocols.Ipv6)
        : _bytes[1];

    public readonly ushort Flags => Version == 1 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(_bytes[2..]);

    /// <summary>
    /// The remote-checksum option if present (private flag set, REMCSUM private flag set):
    /// start and offset count from the end of the GUE header.
    /// </summary>
    public readonly bool TryGetRemoteChecksum(out int start, out int offset)
    {
        start = 0;
        offset = 0;
        if (Version != 0 || (Flags & FlagPrivate) == 0 || TotalLength < HeaderLength + RemoteChecksumOptionsLength)
        {
            return false;
        }

        if ((BinaryPrimitives.ReadUInt32BigEndian(_bytes[HeaderLength..]) & PrivateFlagRemoteChecksum) == 0)
        {
            return false;
        }

        start = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(HeaderLength + 4)..]);
        offset = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(HeaderLength + 6)..]);
        return true;
    }

    /// <summary>The inner packet.</summary>
    public readonly Span<byte> Payload => _bytes[TotalLength..];

    /// <summary>
    /// Writes a version-0 data header for <paramref name="protocol"/>; with a remote-checksum
    /// option when <paramref name="checksumStart"/> is not negative (start and the field's
    /// position, both counted from the end of the GUE header). Returns the bytes written or 0.
    /// </summary>
    public static int Write(Span<byte> d, byte protocol, int checksumStart = -1, int checksumField = 0)
    {
        var remote = checksumStart >= 0;
        var length = HeaderLength + (remote ? RemoteChecksumOptionsLength : 0);
        if (d.Length < length || (remote && (checksumStart > ushort.MaxValue || checksumField is < 0 or > ushort.MaxValue)))
        {
            return 0;
        }

        d[0] = (byte)((length - HeaderLength) >> 2);
        d[1] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], remote ? FlagPrivate : (ushort)0);
        if (remote)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[4..], PrivateFlagRemoteChecksum);
            BinaryPrimitives.WriteUInt16BigEndian(d[8..], (ushort)checksumStart);
            BinaryPrimitives.WriteUInt16BigEndian(d[10..], (ushort)checksumField);
        }

        return length;
    }
}
