using System.Numerics;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Connections;
using SharpLvs.Packets;

namespace SharpLvs.Core.Scheduling;

/// <summary>The hash inputs and functions the kernel's hashing schedulers share.</summary>
internal static class SchedulingHash
{
    /// <summary>include/linux/hash.h GOLDEN_RATIO_32, hash_32's multiplier.</summary>
    private const uint GoldenRatio32 = 0x61C88647;

    /// <summary>The multiplicative constant of ip_vs_dh_hashkey (Knuth's 2^32 / φ).</summary>
    private const uint Knuth = 2654435761;

    private const byte Sctp = 132;

    /// <summary>
    /// The kernel's <c>ntohl(addr_fold)</c>: an IPv4 address in host order, or the four 32-bit
    /// words of an IPv6 address XORed (ntohl of a XOR is the XOR of the ntohls).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Fold(InetAddress address) =>
        address.IsIPv4
            ? address.V4
            : (uint)(address.High >> 32) ^ (uint)address.High ^ (uint)(address.Low >> 32) ^ (uint)address.Low;

    /// <summary>hash_32(val, bits): the top <paramref name="bits"/> of val × GOLDEN_RATIO_32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash32(uint value, int bits) => unchecked(value * GoldenRatio32) >> (32 - bits);

    /// <summary>ip_vs_dh_hashkey's <c>(addr_fold × 2654435761) &amp; mask</c>; only the low 32 bits of the product matter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Knuth32(uint value) => unchecked(value * Knuth);

    /// <summary>
    /// ip_vs_sh_get_port / ip_vs_mh_get_port: the client's port for TCP, UDP and SCTP (the
    /// three whose ports sit in the same place), 0 for anything else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SourcePort(in FlowKey flow) =>
        flow.Protocol is IpProtocols.Tcp or IpProtocols.Udp or Sctp ? flow.SourcePort : (ushort)0;

    /// <summary>
    /// lib/siphash.c <c>hsiphash</c> of one u32 as 64-bit kernels compute it: SipHash-1-3 (not
    /// HalfSipHash) over the value's four little-endian bytes, truncated to 32 bits. Matches
    /// the kernel's test_vectors_hsiphash[4] for key 00..0f and input 00 01 02 03.
    /// </summary>
    public static uint HalfSipHash(ulong key0, ulong key1, uint value)
    {
        var v0 = 0x736f6d6570736575UL ^ key0;
        var v1 = 0x646f72616e646f6dUL ^ key1;
        var v2 = 0x6c7967656e657261UL ^ key0;
        var v3 = 0x7465646279746573UL ^ key1;
        var b = (4UL << 56) | value;
        v3 ^= b;
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= b;
        v2 ^= 0xff;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        return (uint)(v0 ^ v1 ^ v2 ^ v3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
