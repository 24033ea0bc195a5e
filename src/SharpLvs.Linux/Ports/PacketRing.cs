using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// One interface's AF_PACKET socket and its TPACKET_V2 RX ring (Documentation/networking/
/// packet_mmap.rst). The kernel fills frames in ring order and flips tp_status to
/// TP_STATUS_USER; we read them in the same order and flip them back.
/// </summary>
internal sealed unsafe class PacketRing : IDisposable
{
    // Blocks of about 1 MB: a block must be whole pages and frames never straddle blocks, so
    // a big block wastes at most one frame's tail while the kernel still gets a contiguous
    // (or vmalloc'ed) area per block.
    private const int TargetBlockSize = 1 << 20;

    private readonly FileDescriptorHandle _socket;
    private readonly nint _ring;
    private readonly nuint _ringLength;
    private readonly int _blockSize;
    private readonly int _framesPerBlock;
    private int _cursor;

    private PacketRing(FileDescriptorHandle socket, nint ring, nuint ringLength, int ifIndex, int blockSize, int framesPerBlock, int frameSize, int frameCount)
    {
        _socket = socket;
        _ring = ring;
        _ringLength = ringLength;
        IfIndex = ifIndex;
        _blockSize = blockSize;
        _framesPerBlock = framesPerBlock;
        FrameSize = frameSize;
        FrameCount = frameCount;
    }

    public int IfIndex { get; }

    public int FrameSize { get; }

    public int FrameCount { get; }

    public int Fd => _socket.Fd;

    public static PacketRing Open(int ifIndex, AfPacketPortOptions options)
    {
        var pageSize = Environment.SystemPageSize;
        var framesPerBlock = Math.Max(1, TargetBlockSize / options.FrameSize);
        var blockSize = (framesPerBlock * options.FrameSize + pageSize - 1) / pageSize * pageSize;
        var blockCount = (options.FrameCount + framesPerBlock - 1) / framesPerBlock;
        var frameCount = blockCount * framesPerBlock;

        // Protocol 0 receives nothing until bind(), so no frame lands in the ordinary receive
        // queue before the ring exists.
        var socket = Interop.OpenSocket(Interop.AF_PACKET, Interop.SOCK_RAW, 0, "socket(AF_PACKET)");
        try
        {
            Interop.SetIntOption(socket, Interop.SOL_PACKET, Interop.PACKET_VERSION, Interop.TPACKET_V2, "PACKET_VERSION");
            Interop.SetIntOption(socket, Interop.SOL_PACKET, Interop.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            Interop.SetIntOption(socket, Interop.SOL_PACKET, Interop.PACKET_RESERVE, options.Headroom, "PACKET_RESERVE");

            // TESTBED fact 4: an ETH_P_ALL socket otherwise sees the director's own transmissions.
            Interop.SetIntOption(socket, Interop.SOL_PACKET, Interop.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");

            var request = new Interop.TPacketReq
            {
                BlockSize = (uint)blockSize,
                BlockCount = (uint)blockCount,
                FrameSize = (uint)options.FrameSize,
                FrameCount = (uint)frameCount,
            };
            if (Interop.SetSockOpt(socket.Fd, Interop.SOL_PACKET, Interop.PACKET_RX_RING, &request, sizeof(Interop.TPacketReq)) != 0)
            {
                ThrowHelper.ThrowErrno($"PACKET_RX_RING ({blockCount} x {blockSize} bytes)", Interop.Errors.Last);
            }

            var length = (nuint)blockSize * (nuint)blockCount;
            var ring = Interop.Mmap(0, length, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_SHARED, socket.Fd, 0);
            if (ring == Interop.MapFailed)
            {
                ThrowHelper.ThrowErrno("mmap(rx ring)", Interop.Errors.Last);
            }

            var address = new Interop.SockAddrLl
            {
                Family = Interop.AF_PACKET,
                Protocol = EndianSwap(Interop.ETH_P_ALL),
                IfIndex = ifIndex,
            };
            if (Interop.Bind(socket.Fd, &address, sizeof(Interop.SockAddrLl)) != 0)
            {
                var errno = Interop.Errors.Last;
                _ = Interop.Munmap(ring, length);
                ThrowHelper.ThrowErrno($"bind(AF_PACKET, ifindex {ifIndex})", errno);
            }

            return new PacketRing(socket, ring, length, ifIndex, blockSize, framesPerBlock, options.FrameSize, frameCount);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next frame the kernel has handed over, or null; advances past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Interop.TPacket2Hdr* TryTake()
    {
        var header = FrameAt(_cursor);

        // Acquire: pairs with the kernel's smp_wmb() before it sets TP_STATUS_USER
        // (__packet_set_status), so the frame bytes read afterwards are the ones it wrote.
        if ((Volatile.Read(ref header->Status) & Interop.TP_STATUS_USER) == 0)
        {
            return null;
        }

        _cursor = _cursor + 1 == FrameCount ? 0 : _cursor + 1;
        return header;
    }

    /// <summary>True when the kernel has a frame waiting at the cursor.</summary>
    public bool HasReady => (Volatile.Read(ref FrameAt(_cursor)->Status) & Interop.TP_STATUS_USER) != 0;

    /// <summary>Reads and resets the kernel's counters for this socket (tp_packets, tp_drops).</summary>
    public Interop.TPacketStats ReadStatistics()
    {
        Interop.TPacketStats stats = default;
        var length = sizeof(Interop.TPacketStats);
        _ = Interop.GetSockOpt(_socket.Fd, Interop.SOL_PACKET, Interop.PACKET_STATISTICS, &stats, &length);
        return stats;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Interop.TPacket2Hdr* FrameAt(int index)
    {
        var block = index / _framesPerBlock;
        var inBlock = index - (block * _framesPerBlock);
        return (Interop.TPacket2Hdr*)(_ring + ((nint)block * _blockSize) + ((nint)inBlock * FrameSize));
    }

    internal static ushort EndianSwap(ushort value) =>
        BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value) : value;

    public void Dispose()
    {
        _socket.Dispose();
        _ = Interop.Munmap(_ring, _ringLength);
    }
}
