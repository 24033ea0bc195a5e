using System.Runtime.CompilerServices;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// The five-tuple of a packet as it travels (source → destination), one type for IPv4 and
/// IPv6. For a client's packet to a virtual service: Source = client address:port (CIP),
/// Destination = virtual address:port (VIP).
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(byte protocol, InetAddress source, ushort sourcePort, InetAddress destination, ushort destinationPort)
    {
        Protocol = protocol;
        Source = source;
        SourcePort = sourcePort;
        Destination = destination;
        DestinationPort = destinationPort;
    }

    public InetAddress Source { get; }

    public InetAddress Destination { get; }

    public ushort SourcePort { get; }

    public ushort DestinationPort { get; }

    public byte Protocol { get; }

    public bool Equals(FlowKey other) =>
        Source == other.Source && Destination == other.Destination &&
        SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && Protocol == other.Protocol;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        // Multiplicative mixing of the halves and ports; allocation-free, good spread for
        // clients that differ only in port.
        var h = Source.High ^ (Source.Low * 0x9E3779B97F4A7C15UL);
        h ^= (Destination.High + Destination.Low) * 0xC2B2AE3D27D4EB4FUL;
        h ^= ((ulong)SourcePort << 24 | (ulong)DestinationPort << 8 | Protocol) * 0x165667B19E3779F9UL;
        h ^= h >> 29;
        return (int)(h ^ (h >> 32));
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() => $"{Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort}";
}
