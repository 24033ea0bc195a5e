using System.Runtime.CompilerServices;
using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// Address masking by prefix length, one code path for both families: an IPv4 prefix covers
/// the 32 bits of the address (the v4-mapped upper part stays), an IPv6 prefix all 128 bits,
/// as ipv6_addr_prefix does.
/// </summary>
public static class AddressPrefix
{
    /// <summary><paramref name="address"/> with every bit past <paramref name="prefixLength"/> cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InetAddress Mask(InetAddress address, int prefixLength)
    {
        if (address.IsIPv4)
        {
            var bits = Math.Clamp(prefixLength, 0, 32);
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            return InetAddress.FromV4(address.V4 & mask);
        }

        var prefix = Math.Clamp(prefixLength, 0, 128);
        var highMask = prefix >= 64 ? ulong.MaxValue : prefix == 0 ? 0UL : ulong.MaxValue << (64 - prefix);
        var lowMask = prefix <= 64 ? 0UL : prefix == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefix);
        return InetAddress.FromHalves(address.High & highMask, address.Low & lowMask);
    }

    /// <summary>An IPv4 address under an arbitrary netmask (host order), as ip_vs_sched_persist applies svc->netmask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InetAddress MaskV4(InetAddress address, uint netmask) => InetAddress.FromV4(address.V4 & netmask);
}
