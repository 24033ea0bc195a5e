using System.Buffers.Binary;

namespace SharpLvs.Packets;

/// <summary>Where the upper-layer header of an IPv6 packet starts, and the fragment header if one was met.</summary>
public readonly struct Ipv6UpperLayer
{
    public Ipv6UpperLayer(byte protocol, int offset, bool isFragment, int fragmentOffset, bool moreFragments, uint fragmentIdentification)
    {
        Protocol = protocol;
        Offset = offset;
        IsFragment = isFragment;
        FragmentOffset = fragmentOffset;
        MoreFragments = moreFragments;
        FragmentIdentification = fragmentIdentification;
    }

    /// <summary>The upper-layer protocol (or 59 "no next header", or 50 ESP, which cannot be walked through).</summary>
    public byte Protocol { get; }

    /// <summary>Offset of the upper-layer header from the start of the IPv6 payload.</summary>
    public int Offset { get; }

    public bool IsFragment { get; }

    /// <summary>In bytes. When not 0, no upper-layer header is present in this packet.</summary>
    public int FragmentOffset { get; }

    public bool MoreFragments { get; }

    public uint FragmentIdentification { get; }

    /// <summary>True when the packet carries the upper-layer header (unfragmented, or the first fragment).</summary>
    public bool HasUpperLayerHeader => FragmentOffset == 0;
}

/// <summary>
/// Steps over IPv6 extension headers (RFC 8200 §4) to the upper-layer header, as
/// <c>ipv6_skip_exthdr</c> (net/ipv6/exthdrs_core.c) does: hop-by-hop, routing, destination
/// options and AH by their length fields, the fragment header as 8 bytes. The walk is bounded
/// by <see cref="MaxHeaders"/>, so a crafted chain cannot make it spin.
/// </summary>
public static class Ipv6ExtensionHeaders
{
    /// <summary>Real traffic carries one or two; eight leaves room without trusting the packet.</summary>
    public const int MaxHeaders = 8;

    private const int FragmentHeaderLength = 8;

    /// <summary>
    /// Finds the upper-layer protocol in <paramref name="payload"/> (everything after the fixed
    /// header) starting from <paramref name="nextHeader"/>. False when a header is truncated, a
    /// second fragment header appears, or the chain is longer than <see cref="MaxHeaders"/>.
    /// A non-first fragment stops the walk at the fragment header: what follows is data.
    /// </summary>
    public static bool TrySkip(ReadOnlySpan<byte> payload, byte nextHeader, out Ipv6UpperLayer upper)
    {
        upper = default;
        var offset = 0;
        var isFragment = false;
        var fragmentOffset = 0;
        var moreFragments = false;
        uint identification = 0;

        for (var count = 0; count <= MaxHeaders; count++)
        {
            int length;
            switch (nextHeader)
            {
                case IpProtocols.Ipv6HopByHop:
                case IpProtocols.Ipv6Routing:
                case IpProtocols.Ipv6DestinationOptions:
                    if (payload.Length - offset < 2)
                    {
                        return false;
                    }

                    length = (payload[offset + 1] + 1) * 8;
                    break;

                case IpProtocols.Ah:
                    if (payload.Length - offset < 2)
                    {
                        return false;
                    }

                    // RFC 4302 §2.2: AH counts 32-bit words, minus 2.
                    length = (payload[offset + 1] + 2) * 4;
                    break;

                case IpProtocols.Ipv6Fragment:
                    if (isFragment || payload.Length - offset < FragmentHeaderLength)
                    {
                        return false;
                    }

                    var field = BinaryPrimitives.ReadUInt16BigEndian(payload[(offset + 2)..]);
                    isFragment = true;
                    fragmentOffset = field & 0xFFF8;
                    moreFragments = (field & 1) != 0;
                    identification = BinaryPrimitives.ReadUInt32BigEndian(payload[(offset + 4)..]);
                    length = FragmentHeaderLength;
                    break;

                default:
                    upper = new Ipv6UpperLayer(nextHeader, offset, isFragment, fragmentOffset, moreFragments, identification);
                    return true;
            }

            if (payload.Length - offset < length)
            {
                return false;
            }

            nextHeader = payload[offset];
            offset += length;
            if (isFragment && fragmentOffset != 0)
            {
                upper = new Ipv6UpperLayer(nextHeader, offset, isFragment, fragmentOffset, moreFragments, identification);
                return true;
            }
        }

        return false;
    }
}
