using System.Numerics;
using System.Runtime.CompilerServices;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// One AF_XDP socket bound to one interface queue, with its own UMEM (Documentation/
/// networking/af_xdp.rst): <see cref="FrameCount"/> chunks of <see cref="ChunkSize"/> bytes,
/// a fill ring that hands empty chunks to the kernel, an RX ring of received frames, a TX
/// ring of frames to send (sent in place, from the chunk they arrived in) and a completion
/// ring that returns sent chunks. Every chunk is always in exactly one place: the fill ring,
/// the RX ring, a batch, the TX ring or the completion ring; the rings are as large as the
/// UMEM, so giving a chunk back never finds a ring full.
/// </summary>
internal sealed unsafe class XskSocket : IDisposable
{
    private readonly FileDescriptorHandle _socket;
    private readonly nint _umem;
    private readonly nuint _umemLength;
    private XskRing _fill;
    private XskRing _completion;
    private XskRing _rx;
    private XskRing _tx;
    private uint _fillPending;
    private uint _txPending;

    private XskSocket(FileDescriptorHandle socket, nint umem, nuint umemLength, int ifIndex, int queue, int chunkSize, int frameCount)
    {
        _socket = socket;
        _umem = umem;
        _umemLength = umemLength;
        IfIndex = ifIndex;
        Queue = queue;
        ChunkSize = chunkSize;
        FrameCount = frameCount;
    }

    public int IfIndex { get; }

    public int Queue { get; }

    public int ChunkSize { get; }

    public int FrameCount { get; }

    public bool ZeroCopy { get; private set; }

    public int Fd => _socket.Fd;

    public nint Umem => _umem;

    /// <summary>Times sendto had to kick the kernel into sending (the TX ring's need_wakeup flag).</summary>
    public long TransmitKicks { get; private set; }

    public long Transmitted { get; private set; }

    /// <summary>
    /// Opens the socket on (<paramref name="ifIndex"/>, <paramref name="queue"/>): zero-copy
    /// when the driver supports it, else copy mode (veth), always with XDP_USE_NEED_WAKEUP.
    /// <paramref name="frameCount"/> must be a power of two; each frame leaves
    /// <paramref name="headroom"/> bytes before the data for the forwarders.
    /// </summary>
    public static XskSocket Open(int ifIndex, int queue, int frameCount, int chunkSize, int headroom)
    {
        if (!BitOperations.IsPow2(frameCount) || !BitOperations.IsPow2(chunkSize))
        {
            throw new ArgumentException("frame count and chunk size must be powers of two");
        }

        var socket = Interop.OpenSocket(Interop.AF_XDP, Interop.SOCK_RAW, 0, "socket(AF_XDP)");
        var length = (nuint)frameCount * (nuint)chunkSize;
        var umem = Interop.Mmap(0, length, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS | Interop.MAP_POPULATE, -1, 0);
        if (umem == Interop.MapFailed)
        {
            var errno = Interop.Errors.Last;
            socket.Dispose();
            ThrowHelper.ThrowErrno("mmap(UMEM)", errno);
        }

        var xsk = new XskSocket(socket, umem, length, ifIndex, queue, chunkSize, frameCount);
        try
        {
            xsk.Setup(headroom);
            return xsk;
        }
        catch
        {
            xsk.Dispose();
            throw;
        }
    }

    private void Setup(int headroom)
    {
        var reg = new Interop.XdpUmemReg
        {
            Address = (ulong)_umem,
            Length = _umemLength,
            ChunkSize = (uint)ChunkSize,
            Headroom = (uint)headroom,
        };
        if (Interop.SetSockOpt(Fd, Interop.SOL_XDP, Interop.XDP_UMEM_REG, &reg, sizeof(Interop.XdpUmemReg)) != 0)
        {
            ThrowHelper.ThrowErrno("setsockopt(XDP_UMEM_REG)", Interop.Errors.Last);
        }

        Interop.SetIntOption(_socket, Interop.SOL_XDP, Interop.XDP_UMEM_FILL_RING, FrameCount, "XDP_UMEM_FILL_RING");
        Interop.SetIntOption(_socket, Interop.SOL_XDP, Interop.XDP_UMEM_COMPLETION_RING, FrameCount, "XDP_UMEM_COMPLETION_RING");
        Interop.SetIntOption(_socket, Interop.SOL_XDP, Interop.XDP_RX_RING, FrameCount, "XDP_RX_RING");
        Interop.SetIntOption(_socket, Interop.SOL_XDP, Interop.XDP_TX_RING, FrameCount, "XDP_TX_RING");

        Interop.XdpMmapOffsets offsets;
        var size = sizeof(Interop.XdpMmapOffsets);
        if (Interop.GetSockOpt(Fd, Interop.SOL_XDP, Interop.XDP_MMAP_OFFSETS, &offsets, &size) != 0)
        {
            ThrowHelper.ThrowErrno("getsockopt(XDP_MMAP_OFFSETS)", Interop.Errors.Last);
        }

        _fill = Map(offsets.Fill, Interop.XDP_UMEM_PGOFF_FILL_RING, sizeof(ulong), "fill");
        _completion = Map(offsets.Completion, Interop.XDP_UMEM_PGOFF_COMPLETION_RING, sizeof(ulong), "completion");
        _rx = Map(offsets.Rx, Interop.XDP_PGOFF_RX_RING, sizeof(Interop.XdpDesc), "rx");
        _tx = Map(offsets.Tx, Interop.XDP_PGOFF_TX_RING, sizeof(Interop.XdpDesc), "tx");

        // A producer ring starts empty: all of it free.
        _tx.Cached = _tx.Size;
        _fill.Cached = _fill.Size;

        // Every chunk to the kernel for receiving.
        for (var i = 0; i < FrameCount; i++)
        {
            *_fill.AddressAt(_fill.Local++) = (ulong)i * (ulong)ChunkSize;
        }

        _fill.Submit();
        if (!TryBind(Interop.XDP_ZEROCOPY | Interop.XDP_USE_NEED_WAKEUP, out _))
        {
            if (!TryBind(Interop.XDP_COPY | Interop.XDP_USE_NEED_WAKEUP, out var errno))
            {
                ThrowHelper.ThrowErrno($"bind(AF_XDP, ifindex {IfIndex} queue {Queue})", errno);
            }

            return;
        }

        ZeroCopy = true;
    }

    private bool TryBind(ushort flags, out int errno)
    {
        var address = new Interop.SockAddrXdp
        {
            Family = Interop.AF_XDP,
            Flags = flags,
            IfIndex = (uint)IfIndex,
            QueueId = (uint)Queue,
        };
        errno = 0;
        if (Interop.Bind(Fd, &address, sizeof(Interop.SockAddrXdp)) == 0)
        {
            return true;
        }

        errno = Interop.Errors.Last;
        return false;
    }

    private XskRing Map(Interop.XdpRingOffset offset, long pageOffset, int entrySize, string name)
    {
        var length = (nuint)offset.Descriptors + ((nuint)FrameCount * (nuint)entrySize);
        var mapping = Interop.Mmap(0, length, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_SHARED | Interop.MAP_POPULATE, Fd, (nint)pageOffset);
        if (mapping == Interop.MapFailed)
        {
            ThrowHelper.ThrowErrno($"mmap(AF_XDP {name} ring)", Interop.Errors.Last);
        }

        var bytes = (byte*)mapping;
        return new XskRing
        {
            Producer = (uint*)(bytes + offset.Producer),
            Consumer = (uint*)(bytes + offset.Consumer),
            Flags = (uint*)(bytes + offset.Flags),
            Entries = bytes + offset.Descriptors,
            Size = (uint)FrameCount,
            Mask = (uint)FrameCount - 1,
            Mapping = mapping,
            MappingLength = length,
        };
    }

    /// <summary>Takes up to <paramref name="max"/> received frames; call <see cref="ReleaseReceived"/> once they are read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Peek(uint max, out uint first)
    {
        first = _rx.Local;
        var available = _rx.Available();
        var count = available < max ? available : max;
        _rx.Local += count;
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Interop.XdpDesc* ReceivedAt(uint index) => _rx.DescriptorAt(index);

    /// <summary>The RX slots just taken may be reused by the kernel (their chunks are ours until recycled or sent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseReceived() => _rx.Release();

    /// <summary>Queues a chunk back onto the fill ring (published by <see cref="Flush"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Recycle(ulong chunk)
    {
        // Cannot be full: the ring holds every chunk of the UMEM.
        _fill.Free(1);
        *_fill.AddressAt(_fill.Local++) = chunk;
        _fillPending++;
    }

    /// <summary>Queues a frame for sending from its chunk; false when the TX ring has no room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Enqueue(ulong address, uint length)
    {
        if (_tx.Free(1) == 0)
        {
            return false;
        }

        var desc = _tx.DescriptorAt(_tx.Local++);
        desc->Address = address;
        desc->Length = length;
        desc->Options = 0;
        _txPending++;
        return true;
    }

    /// <summary>
    /// Publishes fill and TX entries, kicks the kernel only when it asked for it (need_wakeup:
    /// copy mode always asks for TX, since only sendmsg runs the copy), and moves completed
    /// chunks back to the fill ring.
    /// </summary>
    public void Flush()
    {
        if (_txPending > 0)
        {
            _tx.Submit();
            Transmitted += _txPending;
            _txPending = 0;
            if (_tx.NeedsWakeup())
            {
                TransmitKicks++;
                _ = Interop.SendTo(Fd, null, 0, Interop.MSG_DONTWAIT, null, 0);
            }
        }

        ReclaimCompleted();
        if (_fillPending > 0)
        {
            _fill.Submit();
            _fillPending = 0;
        }
    }

    private void ReclaimCompleted()
    {
        var done = _completion.Available();
        if (done == 0)
        {
            return;
        }

        for (var i = 0u; i < done; i++)
        {
            Recycle(*_completion.AddressAt(_completion.Local++));
        }

        _completion.Release();
    }

    /// <summary>True when RX holds frames.</summary>
    public bool HasReceived => _rx.Available() > 0;

    /// <summary>When the fill ring asks for a wake-up (zero-copy drivers that ran dry), a non-blocking recvfrom gives it.</summary>
    public void WakeFillIfNeeded()
    {
        if (_fill.NeedsWakeup())
        {
            _ = Interop.Recv(Fd, null, 0, Interop.MSG_DONTWAIT);
        }
    }

    public Interop.XdpStatistics ReadStatistics()
    {
        Interop.XdpStatistics stats = default;
        var length = sizeof(Interop.XdpStatistics);
        _ = Interop.GetSockOpt(Fd, Interop.SOL_XDP, Interop.XDP_STATISTICS, &stats, &length);
        return stats;
    }

    public void Dispose()
    {
        _socket.Dispose();
        foreach (var mapping in (ReadOnlySpan<(nint, nuint)>)[(_fill.Mapping, _fill.MappingLength), (_completion.Mapping, _completion.MappingLength), (_rx.Mapping, _rx.MappingLength), (_tx.Mapping, _tx.MappingLength)])
        {
            if (mapping.Item1 != 0)
            {
                _ = Interop.Munmap(mapping.Item1, mapping.Item2);
            }
        }

        _ = Interop.Munmap(_umem, _umemLength);
    }
}
