using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// One interface's AF_PACKET socket and its TPACKET_V2 RX ring (Documentation/networking/
/// packet_mmap.rst). The kernel fills frames in ring order and flips tp_status to
/// TP_STATUS_USER; we read them in the same order and flip them back.
/// <para>
/// Ring slots are small (2 KB: an MTU-sized frame) so the common path touches few pages.
/// A frame too big for a slot (a GSO super-frame, TESTBED fact 2) is not lost: with
/// PACKET_COPY_THRESH set, tpacket_rcv (net/packet/af_packet.c) stores a truncated copy in the
/// slot, marks it TP_STATUS_COPY and queues the whole skb on the socket's ordinary receive
/// queue, in ring order; <see cref="ReceiveCopy"/> reads it, virtio_net_hdr first, into a
/// buffer preallocated per ring.
/// </para>
/// </summary>
internal sealed unsafe class PacketRing : IDisposable
{
    // Blocks of about 1 MB: a block must be whole pages and frames never straddle blocks, so
    // a big block wastes at most one frame's tail while the kernel still gets a contiguous
    // (or vmalloc'ed) area per block.
    private const int TargetBlockSize = 1 << 20;

    // Receive-queue room for super-frames waiting behind their TP_STATUS_COPY slots: a 64 KB
    // GSO skb has a truesize of ~70-130 KB, and the kernel only copies while sk_rmem_alloc is
    // below sk_rcvbuf (else the slot stays truncated and is dropped as FrameTooLarge).
    private const int CopyQueueBytes = 4 << 20;

    /// <summary>Largest frame <see cref="ReceiveCopy"/> takes: a 64 KB GSO frame with its Ethernet/VLAN header, and then some (BIG TCP aside).</summary>
    internal const int CopyFrameCapacity = 128 << 10;

    private readonly FileDescriptorHandle _socket;
    private readonly nint _ring;
    private readonly nuint _ringLength;
    private readonly int _blockSize;
    private readonly int _framesPerBlock;
    private readonly int _headroom;
    private int _cursor;

    private PacketRing(FileDescriptorHandle socket, nint ring, nuint ringLength, int ifIndex, int blockSize, int framesPerBlock, int frameSize, int frameCount, int headroom)
    {
        _headroom = Math.Max(headroom, sizeof(Interop.VirtioNetHdr));
        CopyBufferLength = _headroom + CopyFrameCapacity;
        CopyBuffer = (nint)NativeMemory.AlignedAlloc((nuint)CopyBufferLength, 64);
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

    /// <summary>Where <see cref="ReceiveCopy"/> puts a frame: headroom, then the frame (its virtio_net_hdr just before it).</summary>
    public nint CopyBuffer { get; }

    public int CopyBufferLength { get; }

    /// <summary>Where the frame starts in <see cref="CopyBuffer"/>.</summary>
    public int CopyHeadroom => _headroom;

    /// <summary>Set while the frame in <see cref="CopyBuffer"/> belongs to an unfinished batch.</summary>
    public bool CopyBufferBusy { get; set; }

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

            // Frames larger than a slot go whole to the receive queue (see the class comment).
            Interop.SetIntOption(socket, Interop.SOL_PACKET, Interop.PACKET_COPY_THRESH, 1, "PACKET_COPY_THRESH");
            var queueBytes = CopyQueueBytes;
            if (Interop.SetSockOpt(socket.Fd, Interop.SOL_SOCKET, Interop.SO_RCVBUFFORCE, &queueBytes, sizeof(int)) != 0)
            {
                // Without CAP_NET_ADMIN: as much as net.core.rmem_max allows.
                _ = Interop.SetSockOpt(socket.Fd, Interop.SOL_SOCKET, Interop.SO_RCVBUF, &queueBytes, sizeof(int));
            }

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

            return new PacketRing(socket, ring, length, ifIndex, blockSize, framesPerBlock, options.FrameSize, frameCount, options.Headroom);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next frame the kernel has handed over, or null; advances past it. A frame marked
    /// TP_STATUS_COPY is left in place (null) while <see cref="CopyBufferBusy"/>: its whole
    /// copy would need the buffer an earlier frame of the batch still uses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Interop.TPacket2Hdr* TryTake()
    {
        var header = FrameAt(_cursor);

        // Acquire: pairs with the kernel's smp_wmb() before it sets TP_STATUS_USER
        // (__packet_set_status), so the frame bytes read afterwards are the ones it wrote.
        var status = Volatile.Read(ref header->Status);
        if ((status & Interop.TP_STATUS_USER) == 0 || ((status & Interop.TP_STATUS_COPY) != 0 && CopyBufferBusy))
        {
            return null;
        }

        _cursor = _cursor + 1 == FrameCount ? 0 : _cursor + 1;
        return header;
    }

    /// <summary>
    /// Reads the next whole frame from the receive queue (the one a TP_STATUS_COPY slot stands
    /// for) into <see cref="CopyBuffer"/> after the headroom, its virtio_net_hdr right before
    /// it (packet_recvmsg writes the header first). Returns the frame's length; -1 when the
    /// queue is empty, or the frame's real length when it is larger than the buffer.
    /// </summary>
    public int ReceiveCopy()
    {
        var vnetLength = sizeof(Interop.VirtioNetHdr);
        var destination = (byte*)CopyBuffer + _headroom - vnetLength;

        // MSG_TRUNC makes packet_recvmsg return the skb's full length even when it was cut.
        var read = Interop.Recv(_socket.Fd, destination, (nuint)(CopyFrameCapacity + vnetLength), Interop.MSG_DONTWAIT | Interop.MSG_TRUNC);
        return read < vnetLength ? -1 : (int)read - vnetLength;
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

    /// <summary>
    /// Adds or drops this socket's membership of an Ethernet multicast group on its interface
    /// (PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST: dev_mc_add, so the NIC's filter lets the
    /// group in); the kernel drops it with the socket. Returns 0 or the errno.
    /// </summary>
    public int SetMembership(MacAddress group, bool add)
    {
        var request = new Interop.PacketMreq { IfIndex = IfIndex, Type = Interop.PACKET_MR_MULTICAST, AddressLength = 6 };
        group.WriteTo(new Span<byte>(request.Address, 6));
        var option = add ? Interop.PACKET_ADD_MEMBERSHIP : Interop.PACKET_DROP_MEMBERSHIP;
        return Interop.SetSockOpt(_socket.Fd, Interop.SOL_PACKET, option, &request, sizeof(Interop.PacketMreq)) == 0 ? 0 : Interop.Errors.Last;
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
        NativeMemory.AlignedFree((void*)CopyBuffer);
    }
}
