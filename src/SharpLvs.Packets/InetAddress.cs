using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace SharpLvs.Packets;

/// <summary>
/// One address type for IPv4 and IPv6, as the kernel's <c>union nf_inet_addr</c>: sixteen
/// bytes in network order, IPv4 held IPv4-mapped (<c>::ffff:a.b.c.d</c>) so that one flow key
/// and one code path serve both families.
/// </summary>
public readonly struct InetAddress : IEquatable<InetAddress>
{
    private const ulong V4MappedHigh = 0;
    private const ulong V4MappedPrefix = 0x0000_FFFF_0000_0000UL;

    // The sixteen bytes as two big-endian halves: comparisons and hashing stay two ulongs.
    private readonly ulong _high;
    private readonly ulong _low;

    private InetAddress(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    public static InetAddress None => default;

    public bool IsIPv4 => _high == V4MappedHigh && (_low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;

    public bool IsNone => _high == 0 && _low == 0;

    /// <summary>The IPv4 address in host order (as <c>ntohl</c> gives it); only for IPv4.</summary>
    public uint V4 => (uint)_low;

    public ulong High => _high;

    public ulong Low => _low;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InetAddress FromV4(uint hostOrder) => new(V4MappedHigh, V4MappedPrefix | hostOrder);

    /// <summary>Reads four bytes in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InetAddress FromV4(ReadOnlySpan<byte> networkOrder) =>
        FromV4(BinaryPrimitives.ReadUInt32BigEndian(networkOrder));

    /// <summary>Reads sixteen bytes in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InetAddress FromV6(ReadOnlySpan<byte> networkOrder) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(networkOrder), BinaryPrimitives.ReadUInt64BigEndian(networkOrder[8..]));

    public static InetAddress FromHalves(ulong high, ulong low) => new(high, low);

    /// <summary>Writes 4 bytes (IPv4) or 16 bytes (IPv6) in network order; returns the count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int WriteTo(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
            return 4;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    public static InetAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromV4(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        return FromV6(bytes);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        var count = WriteTo(bytes);
        return new IPAddress(bytes[..count]);
    }

    /// <summary>Parses dotted IPv4 or IPv6 text (no brackets, no port).</summary>
    public static bool TryParse(string? text, out InetAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse accepts "1" or "1.2" as IPv4 shorthand; ipvsadm's inet_pton does not.
        if (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        address = FromIPAddress(parsed);
        return true;
    }

    public static InetAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IP address");

    public bool Equals(InetAddress other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is InetAddress other && Equals(other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        var mixed = (_high * 0x9E3779B97F4A7C15UL) ^ _low;
        return (int)(mixed ^ (mixed >> 32));
    }

    public static bool operator ==(InetAddress left, InetAddress right) => left.Equals(right);

    public static bool operator !=(InetAddress left, InetAddress right) => !left.Equals(right);

    /// <summary>Text as ipvsadm prints it: dotted IPv4, compressed IPv6 (no brackets).</summary>
    public override string ToString() => IsNone && !IsIPv4 ? "::" : ToIPAddress().ToString();
}
