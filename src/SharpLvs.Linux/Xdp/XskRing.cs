using System.Runtime.CompilerServices;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// One of an AF_XDP socket's four single-producer single-consumer rings, mapped from the
/// kernel (af_xdp.rst "Rings"): a power-of-two array of entries with a producer and a
/// consumer index that only grow. We produce into fill and TX and consume from RX and
/// completion; the cached opposite index is re-read only when the cached one says there is
/// no room (or nothing) left, as libxdp's xsk_ring_prod__reserve does.
/// </summary>
internal unsafe struct XskRing
{
    public uint* Producer;
    public uint* Consumer;
    public uint* Flags;
    public byte* Entries;
    public uint Size;
    public uint Mask;
    public nint Mapping;
    public nuint MappingLength;

    /// <summary>Our next producer index (producer rings) or consumer index (consumer rings).</summary>
    public uint Local;

    /// <summary>The kernel's index last read: its consumer (producer rings) or producer (consumer rings).</summary>
    public uint Cached;

    /// <summary>Entries a consumer ring holds for us (acquire: their contents are visible after this read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Available()
    {
        if (Cached == Local)
        {
            Cached = Volatile.Read(ref *Producer);
        }

        return Cached - Local;
    }

    /// <summary>Free slots of a producer ring (acquire on the kernel's consumer index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Free(uint wanted)
    {
        var free = Size - (Local - Cached);
        if (free < wanted)
        {
            Cached = Volatile.Read(ref *Consumer);
            free = Size - (Local - Cached);
        }

        return free;
    }

    /// <summary>Publishes what we produced (release: entries written before the index moves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Submit() => Volatile.Write(ref *Producer, Local);

    /// <summary>Gives back what we consumed (release: we are done reading those entries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Release() => Volatile.Write(ref *Consumer, Local);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool NeedsWakeup() => (Volatile.Read(ref *Flags) & Interop.XDP_RING_NEED_WAKEUP) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong* AddressAt(uint index) => (ulong*)Entries + (index & Mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Interop.XdpDesc* DescriptorAt(uint index) => (Interop.XdpDesc*)Entries + (index & Mask);
}
