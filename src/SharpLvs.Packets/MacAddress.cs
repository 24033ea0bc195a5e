using System.Buffers.Binary;
using System.Globalization;

namespace SharpLvs.Packets;

/// <summary>A 48-bit Ethernet address held in a ulong (the low six bytes, network order).</summary>
public readonly struct MacAddress : IEquatable<MacAddress>
{
    private readonly ulong _value;

    public MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    public ulong Value => _value;

    public bool IsZero => _value == 0;

    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        var parts = text?.Split(':');
        if (parts is not { Length: 6 })
        {
            return false;
        }

        ulong value = 0;
        foreach (var part in parts)
        {
            if (part.Length is < 1 or > 2 || !byte.TryParse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        mac = new MacAddress(value);
        return true;
    }

    public bool Equals(MacAddress other) => _value == other._value;

    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    public static bool operator ==(MacAddress left, MacAddress right) => left.Equals(right);

    public static bool operator !=(MacAddress left, MacAddress right) => !left.Equals(right);

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteTo(b);
        return $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }
}
