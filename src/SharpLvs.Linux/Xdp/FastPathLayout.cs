using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The fast path's map layouts, shared by the program (<see cref="FastPathProgram"/>) and lvsd
/// (<see cref="XdpFlowOffload"/>).
/// <list type="bullet">
/// <item>flows (LRU hash): key = the two steering keys as the program leaves them on its stack,
/// (saddr, family, protocol, sport) + 4 zero bytes + (daddr, family, protocol, dport), 44
/// bytes; value = {u32 destination slot, u32 0, u64 last seen (ns, CLOCK_MONOTONIC)}.</item>
/// <item>destinations (array, by slot): {u32 alive, u32 ifindex, u8 dmac[6], u16 0,
/// u8 smac[6], u16 0, u32 largest IP packet (the MTU), u32 0}.</item>
/// <item>counters (per-CPU array, by slot): {u64 packets, u64 bytes (IP length)}.</item>
/// </list>
/// Fields are aligned to their size so that the program's loads are.
/// </summary>
internal static class FastPathLayout
{
    public const int FlowKeySize = 44;
    public const int FlowValueSize = 16;
    public const int FlowSlotOffset = 0;
    public const int FlowLastSeenOffset = 8;

    public const int DestSize = 32;
    public const short DestAliveOffset = 0;
    public const short DestIfIndexOffset = 4;
    public const short DestMacOffset = 8;
    public const short SourceMacOffset = 16;
    public const short DestMtuOffset = 24;

    public const int CounterSize = 16;
    public const short CounterPacketsOffset = 0;
    public const short CounterBytesOffset = 8;

    private const int DestinationKeyOffset = 24;

    /// <summary>The flows-map key of a client → VIP flow.</summary>
    public static void WriteFlowKey(Span<byte> key, in FlowKey flow)
    {
        key[..FlowKeySize].Clear();
        SteeringKey.Write(key, flow.Source, flow.Protocol, flow.SourcePort);
        SteeringKey.Write(key[DestinationKeyOffset..], flow.Destination, flow.Protocol, flow.DestinationPort);
    }

    public static void WriteFlowValue(Span<byte> value, int slot)
    {
        value[..FlowValueSize].Clear();
        BinaryPrimitives.WriteInt32LittleEndian(value, slot);
    }

    public static long ReadLastSeenNs(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value[FlowLastSeenOffset..]);

    /// <summary>A destination entry; <paramref name="mtu"/> 0 (unknown) allows any length.</summary>
    public static void WriteDestination(Span<byte> value, bool alive, int ifIndex, MacAddress destination, MacAddress source, int mtu)
    {
        value[..DestSize].Clear();
        if (!alive)
        {
            return;
        }

        BinaryPrimitives.WriteInt32LittleEndian(value, 1);
        BinaryPrimitives.WriteInt32LittleEndian(value[DestIfIndexOffset..], ifIndex);
        destination.WriteTo(value[DestMacOffset..]);
        source.WriteTo(value[SourceMacOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(value[DestMtuOffset..], mtu > 0 ? (uint)mtu : uint.MaxValue);
    }
}
