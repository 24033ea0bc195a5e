using System.Buffers.Binary;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The key of the steering maps, as the XDP program builds it on its stack: the address
/// (16 bytes, an IPv4 address in the first 4 and zeros after), the family (4 or 6), the IP
/// protocol and the port in network byte order. The address comes first so that the
/// program's 8-byte stores stay aligned (the verifier insists on aligned stack access).
/// </summary>
internal static class SteeringKey
{
    public const int Size = 20;
    public const int FamilyOffset = 16;
    public const int ProtocolOffset = 17;
    public const int PortOffset = 18;

    /// <summary>Value size of every hash map (services, replies: unused; local addresses: first and last port).</summary>
    public const int ValueSize = 4;

    public static void Write(Span<byte> key, InetAddress address, byte protocol, ushort port)
    {
        key[..Size].Clear();
        if (address.IsIPv4)
        {
            address.WriteTo(key[..4]);
            key[FamilyOffset] = 4;
        }
        else
        {
            address.WriteTo(key[..16]);
            key[FamilyOffset] = 6;
        }

        key[ProtocolOffset] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(key[PortOffset..], port);
    }

    /// <summary>A local-address map value: the port range in host byte order (the program compares after be16).</summary>
    public static void WriteRange(Span<byte> value, ushort first, ushort last)
    {
        BitConverter.TryWriteBytes(value, first);
        BitConverter.TryWriteBytes(value[2..], last);
    }
}
