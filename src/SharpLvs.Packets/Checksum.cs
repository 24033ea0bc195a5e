using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpLvs.Packets;

/// <summary>
/// The Internet checksum: the 16-bit one's complement of the one's complement sum (RFC 1071),
/// with incremental updates (RFC 1624) and the completion of partial checksums that Linux
/// leaves to the device (CHECKSUM_PARTIAL, see <c>skb_checksum_help</c> in net/core/dev.c).
/// </summary>
/// <remarks>
/// A "sum" here is an unfolded one's complement sum of big-endian 16-bit words held in a uint;
/// any value congruent modulo 0xFFFF is the same sum, so sums add with plain addition as long
/// as they stay below 2^32 (the helpers here fold before that can happen).
/// </remarks>
public static class Checksum
{
    /// <summary>The final checksum of <paramref name="data"/>: complemented and folded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Fold(Sum(data));

    /// <summary>
    /// The unfolded sum of <paramref name="data"/> added to <paramref name="initial"/>. An odd
    /// trailing byte counts as the high byte of a word (RFC 1071 §4.1), so only the last
    /// piece of a message may have an odd length.
    /// </summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        // RFC 1071 §2(B): the sum is byte-order independent, so words are added in native
        // order, 32 bits at a time into 64-bit accumulators (no carry handling needed below
        // 2^32 additions), and the folded result is swapped once at the end. 2^16 ≡ 1 modulo
        // 0xFFFF, so 32-bit pieces (and 64-bit lanes folded as two halves) sum correctly.
        ref var p = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        ulong acc = 0;
        var i = 0;

        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            // Each 32-bit lane widened to 64 bits: 2^32 additions per lane before overflow.
            var acc0 = Vector256<ulong>.Zero;
            var acc1 = Vector256<ulong>.Zero;
            for (; i + 64 <= length; i += 64)
            {
                var (a0, a1) = Vector256.Widen(Vector256.LoadUnsafe(ref p, (nuint)i).AsUInt32());
                var (b0, b1) = Vector256.Widen(Vector256.LoadUnsafe(ref p, (nuint)(i + 32)).AsUInt32());
                acc0 += a0 + a1;
                acc1 += b0 + b1;
            }

            var lanes = acc0 + acc1;
            acc = Halves(lanes[0]) + Halves(lanes[1]) + Halves(lanes[2]) + Halves(lanes[3]);
        }
        else if (Vector128.IsHardwareAccelerated && length >= 32)
        {
            var acc0 = Vector128<ulong>.Zero;
            var acc1 = Vector128<ulong>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                var (a0, a1) = Vector128.Widen(Vector128.LoadUnsafe(ref p, (nuint)i).AsUInt32());
                var (b0, b1) = Vector128.Widen(Vector128.LoadUnsafe(ref p, (nuint)(i + 16)).AsUInt32());
                acc0 += a0 + a1;
                acc1 += b0 + b1;
            }

            var lanes = acc0 + acc1;
            acc = Halves(lanes[0]) + Halves(lanes[1]);
        }

        for (; i + 32 <= length; i += 32)
        {
            var a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            var b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8));
            var c = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 16));
            var d = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 24));
            acc += (a & 0xFFFF_FFFF) + (a >> 32) + (b & 0xFFFF_FFFF) + (b >> 32)
                + (c & 0xFFFF_FFFF) + (c >> 32) + (d & 0xFFFF_FFFF) + (d >> 32);
        }

        for (; i + 4 <= length; i += 4)
        {
            acc += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i));
        }

        if (i + 2 <= length)
        {
            acc += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
            i += 2;
        }

        if (i < length)
        {
            // The pad byte is zero; the data byte is the word's first (high, in network order).
            uint last = Unsafe.Add(ref p, i);
            acc += BitConverter.IsLittleEndian ? last : last << 8;
        }

        var folded = FoldNative(acc);
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness(folded);
        }

        return Add(initial, folded);
    }

    /// <summary>Folds a sum to 16 bits with end-around carry; not complemented.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>Adds two sums with end-around carry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Add(uint a, uint b)
    {
        var s = (ulong)a + b;
        return (uint)s + (uint)(s >> 32);
    }

    /// <summary>
    /// The pseudo-header sum for TCP/UDP/ICMPv6: IPv4 per RFC 793 §3.1 (source, destination,
    /// zero, protocol, 16-bit length) or IPv6 per RFC 8200 §8.1 (source, destination, 32-bit
    /// upper-layer length, zeros, next header), chosen by the family of <paramref name="source"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint PseudoHeaderSum(InetAddress source, InetAddress destination, byte protocol, int length)
    {
        ulong acc = protocol + (ulong)(uint)length;
        if (source.IsIPv4)
        {
            acc += (ulong)source.V4 + destination.V4;
        }
        else
        {
            acc += Halves(source.High) + Halves(source.Low) + Halves(destination.High) + Halves(destination.Low);
        }

        return FoldTo32(acc);
    }

    /// <summary>RFC 1624 eqn. 3: <c>HC' = ~(~HC + ~m + m')</c> for one changed 16-bit word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdateWord(ushort checksum, ushort oldWord, ushort newWord)
    {
        var sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        return (ushort)~Fold(sum);
    }

    /// <summary>RFC 1624 eqn. 3 for a changed 32-bit value (two adjacent words, e.g. an IPv4 address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdateDoubleWord(ushort checksum, uint oldValue, uint newValue)
    {
        var sum = (ulong)(ushort)~checksum + (~oldValue >> 16) + (~oldValue & 0xFFFF) + (newValue >> 16) + (newValue & 0xFFFF);
        return (ushort)~Fold(FoldTo32(sum));
    }

    /// <summary>
    /// RFC 1624 eqn. 3 for a changed address: 32 bits for IPv4, 128 for IPv6 (both addresses
    /// must be of one family; the pseudo-header of TCP/UDP carries them as they are).
    /// </summary>
    public static ushort UpdateAddress(ushort checksum, InetAddress oldAddress, InetAddress newAddress)
    {
        if (oldAddress.IsIPv4 && newAddress.IsIPv4)
        {
            return UpdateDoubleWord(checksum, oldAddress.V4, newAddress.V4);
        }

        // Complementing a 64-bit value complements each of its words; 32-bit halves sum to
        // the same result as 16-bit words modulo 0xFFFF.
        var sum = (ulong)(ushort)~checksum
            + Halves(~oldAddress.High) + Halves(~oldAddress.Low)
            + Halves(newAddress.High) + Halves(newAddress.Low);
        return (ushort)~Fold(FoldTo32(sum));
    }

    /// <summary>
    /// The address update for a CHECKSUM_PARTIAL field, which holds the folded pseudo-header
    /// sum uncomplemented (see <see cref="CompletePartial"/>): as <c>inet_proto_csum_replace4</c>
    /// with <c>pseudohdr</c> set (net/core/utils.c), the sum moves the other way round. Only
    /// pseudo-header fields change such a field; ports and payload are summed later.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdatePartialAddress(ushort partialField, InetAddress oldAddress, InetAddress newAddress) =>
        (ushort)~UpdateAddress((ushort)~partialField, oldAddress, newAddress);

    /// <summary>
    /// Fills the TCP/UDP/ICMPv6 checksum of <paramref name="ipPacketPayload"/> (the whole
    /// transport segment) from scratch. A UDP result of 0 is sent as 0xFFFF (RFC 768; RFC 8200
    /// §8.1), since 0 means "no checksum". Returns false if the field lies outside the payload.
    /// </summary>
    public static bool ComputeTransport(Span<byte> ipPacketPayload, InetAddress src, InetAddress dst, byte protocol, int checksumFieldOffset)
    {
        if ((uint)checksumFieldOffset > (uint)(ipPacketPayload.Length - 2))
        {
            return false;
        }

        var field = ipPacketPayload.Slice(checksumFieldOffset, 2);
        field.Clear();
        var sum = Sum(ipPacketPayload, PseudoHeaderSum(src, dst, protocol, ipPacketPayload.Length));
        var checksum = (ushort)~Fold(sum);
        if (checksum == 0 && protocol == IpProtocols.Udp)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(field, checksum);
        return true;
    }

    /// <summary>
    /// True when the transport checksum of <paramref name="ipPacketPayload"/> verifies
    /// (a UDP checksum of 0 over IPv4 means "none" and counts as valid).
    /// </summary>
    public static bool VerifyTransport(ReadOnlySpan<byte> ipPacketPayload, InetAddress src, InetAddress dst, byte protocol)
    {
        if (protocol == IpProtocols.Udp && src.IsIPv4 && ipPacketPayload.Length >= 8
            && ipPacketPayload[6] == 0 && ipPacketPayload[7] == 0)
        {
            return true;
        }

        return Fold(Sum(ipPacketPayload, PseudoHeaderSum(src, dst, protocol, ipPacketPayload.Length))) == 0xFFFF;
    }

    /// <summary>
    /// Completes a CHECKSUM_PARTIAL packet as <c>skb_checksum_help</c> does (TESTBED fact 1):
    /// the 16-bit field at <c>checksumStart + checksumOffset</c> holds the folded, uncomplemented
    /// pseudo-header sum, so summing <c>frame[checksumStart..]</c> with it in place and
    /// complementing yields the checksum. Like the kernel (<c>csum_fold(csum) ?: CSUM_MANGLED_0</c>),
    /// a result of 0 is stored as 0xFFFF: the same value in one's complement, and the only
    /// right one for UDP, where 0 means "no checksum". Returns false, touching nothing, if the
    /// field lies outside the frame.
    /// </summary>
    public static bool CompletePartial(Span<byte> frame, int checksumStart, int checksumOffset)
    {
        if (checksumStart < 0 || checksumOffset < 0 || (long)checksumStart + checksumOffset + 2 > frame.Length)
        {
            return false;
        }

        var checksum = (ushort)~Fold(Sum(frame[checksumStart..]));
        BinaryPrimitives.WriteUInt16BigEndian(frame[(checksumStart + checksumOffset)..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Halves(ulong value) => (value >> 32) + (value & 0xFFFF_FFFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FoldTo32(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        return (uint)sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort FoldNative(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        return Fold((uint)sum);
    }
}
