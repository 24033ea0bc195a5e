using System.Diagnostics;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// The director's packet port over AF_PACKET: a TPACKET_V2 RX ring per served interface
/// (V2 hands each frame over as it lands: no block timeout, TESTBED fact 5) and one TX
/// socket fed with sendmmsg. Frames are processed in the ring and sent from it; a frame
/// larger than a ring slot is read whole from the socket's receive queue (PacketRing).
/// <para>
/// Contract with the pipeline: a frame the ring could not hold whole (tp_snaplen &lt; tp_len)
/// arrives with <c>Verdict = Drop, Reason = FrameTooLarge</c> already set; the processor
/// leaves descriptors whose verdict is already Drop untouched and only counts them.
/// </para>
/// </summary>
public sealed unsafe partial class AfPacketPort : ILinkPort
{
    private readonly PacketRing[] _rings;
    private readonly PacketTransmitter _transmitter;
    private readonly FileDescriptorHandle _wakeEvent;
    private readonly Interop.PollFd[] _pollFds;
    private readonly nint[] _outstanding;
    private readonly int _headroom;
    private int _outstandingCount;
    private int _nextRing;
    private long _received;
    private long _truncated;
    private long _copied;
    private long _kernelDrops;
    private CoalescingWindow _coalescing;
    private int _state; // PortGate

    /// <summary>
    /// Opens a ring on every interface in <paramref name="ifIndexes"/> (needs CAP_NET_RAW); with
    /// <paramref name="fanout"/>, each ring joins its interface's group as the next member (one
    /// port per worker, opened in worker order).
    /// </summary>
    public AfPacketPort(IEnumerable<int> ifIndexes, AfPacketPortOptions? options = null, FanoutGroups? fanout = null)
    {
        ArgumentNullException.ThrowIfNull(ifIndexes);
        options ??= new AfPacketPortOptions();
        options.Validate();
        _headroom = options.Headroom;
        _coalescing = new CoalescingWindow(options.CoalesceMicroseconds);

        var indexes = ifIndexes.Distinct().ToArray();
        if (indexes.Length == 0)
        {
            throw new ArgumentException("at least one interface is needed", nameof(ifIndexes));
        }

        var rings = new List<PacketRing>();
        try
        {
            foreach (var ifIndex in indexes)
            {
                rings.Add(PacketRing.Open(ifIndex, options));
                fanout?.Join(rings[^1]);
            }

            _transmitter = new PacketTransmitter();
            var fd = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
            if (fd < 0)
            {
                ThrowHelper.ThrowErrno("eventfd", Interop.Errors.Last);
            }

            _wakeEvent = new FileDescriptorHandle(fd);
        }
        catch
        {
            foreach (var ring in rings)
            {
                ring.Dispose();
            }

            _transmitter?.Dispose();
            throw;
        }

        _rings = [.. rings];
        _pollFds = new Interop.PollFd[_rings.Length + 1];
        for (var i = 0; i < _rings.Length; i++)
        {
            _pollFds[i].Fd = _rings[i].Fd;
            _pollFds[i].Events = Interop.POLLIN;
        }

        _pollFds[^1].Fd = _wakeEvent.Fd;
        _pollFds[^1].Events = Interop.POLLIN;

        // Every frame of every ring may be user-owned at once; never more.
        _outstanding = new nint[_rings.Sum(r => r.FrameCount)];
    }

    public IReadOnlyList<int> IfIndexes => _rings.Select(r => r.IfIndex).ToArray();

    public long Received => Volatile.Read(ref _received);

    /// <summary>Frames the ring cut short (handed over as Drop/FrameTooLarge).</summary>
    public long Truncated => Volatile.Read(ref _truncated);

    /// <summary>Frames larger than a ring slot that arrived whole through the receive queue (super-frames).</summary>
    public long Copied => Volatile.Read(ref _copied);

    public long Transmitted => _transmitter.Transmitted;

    public long TransmitBusy => _transmitter.Busy;

    public long TransmitErrors => _transmitter.Errors;

    /// <summary>Frames the kernel dropped because a ring was full (tp_drops), as of the last <see cref="RefreshKernelDrops"/>.</summary>
    public long KernelDrops => Volatile.Read(ref _kernelDrops);

    public int Receive(PacketBatch batch, int timeoutMs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!PortGate.TryEnter(ref _state))
        {
            batch.Count = 0;
            return 0;
        }

        try
        {
            var count = Collect(batch);
            if (count == 0 && timeoutMs != 0)
            {
                count = WaitAndCollect(batch, timeoutMs);
            }

            batch.Count = count;
            return count;
        }
        finally
        {
            PortGate.Exit(ref _state);
        }
    }

    public void Complete(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!PortGate.TryEnter(ref _state))
        {
            return;
        }

        try
        {
            SendAndRelease(batch);
        }
        finally
        {
            PortGate.Exit(ref _state);
        }
    }

    /// <summary>The ring sockets' descriptors, for a combined port's poll.</summary>
    internal IEnumerable<int> RingFds => _rings.Select(r => r.Fd);

    /// <summary>
    /// Sends every Transmit frame of the batch (wherever its memory lives: the transmitter
    /// copies it into an skb) and gives this port's ring slots back to the kernel.
    /// </summary>
    internal void SendAndRelease(PacketBatch batch)
    {
        _transmitter.Send(batch);

        // Release: every read and in-place rewrite of these frames, and the sendmmsg that
        // copied them into skbs, happen before the kernel can see TP_STATUS_KERNEL and
        // refill the frame. Volatile.Write is a release store (stlr on arm64, a plain
        // ordered store on x86), which is what packet_mmap.rst's barrier is there for.
        for (var i = 0; i < _outstandingCount; i++)
        {
            Volatile.Write(ref ((Interop.TPacket2Hdr*)_outstanding[i])->Status, Interop.TP_STATUS_KERNEL);
        }

        _outstandingCount = 0;
        foreach (var ring in _rings)
        {
            ring.CopyBufferBusy = false;
        }

        batch.Count = 0;
    }

    /// <summary>Interrupts a <see cref="Receive"/> waiting in poll (any thread).</summary>
    public void Wake()
    {
        ulong one = 1;
        _ = Interop.Write(_wakeEvent.Fd, &one, sizeof(ulong));
    }

    /// <summary>
    /// Sends one frame built by the control plane (gratuitous ARP, unsolicited neighbour
    /// advertisement) out of <paramref name="ifIndex"/>; safe from any thread.
    /// </summary>
    public bool SendFrame(int ifIndex, ReadOnlySpan<byte> frame) =>
        !PortGate.IsClosed(ref _state) && _transmitter.SendOne(ifIndex, frame);

    /// <summary>
    /// Joins (or leaves) an Ethernet multicast group on one served interface, e.g. the
    /// solicited-node group of an IPv6 VIP the host itself has not joined; any thread. Returns
    /// null on success, otherwise why not.
    /// </summary>
    public string? SetMulticastMembership(int ifIndex, MacAddress group, bool join)
    {
        foreach (var ring in _rings)
        {
            if (ring.IfIndex == ifIndex)
            {
                var errno = ring.SetMembership(group, join);
                return errno == 0 ? null : Interop.Errors.Describe(errno);
            }
        }

        return $"ifindex {ifIndex} is not served";
    }

    /// <summary>Adds the kernel's ring-full drops since the last call to <see cref="KernelDrops"/> (any thread).</summary>
    public long RefreshKernelDrops()
    {
        foreach (var ring in _rings)
        {
            Interlocked.Add(ref _kernelDrops, ring.ReadStatistics().Drops);
        }

        return KernelDrops;
    }

    private int Collect(PacketBatch batch) => Collect(batch, 0);

    /// <summary>Takes ready frames into <c>batch.Items[start..]</c> without waiting (for a port that combines this one with others).</summary>
    internal int Collect(PacketBatch batch, int start)
    {
        var items = batch.Items;
        var count = start;
        var ringCount = _rings.Length;

        // Start at a different ring each time so one busy interface cannot starve the others.
        var first = _nextRing;
        _nextRing = first + 1 == ringCount ? 0 : first + 1;
        for (var r = 0; r < ringCount && count < items.Length; r++)
        {
            var ring = _rings[(first + r) % ringCount];
            while (count < items.Length && _outstandingCount < _outstanding.Length)
            {
                var header = ring.TryTake();
                if (header == null)
                {
                    break;
                }

                _outstanding[_outstandingCount++] = (nint)header;
                Describe(ref items[count++], header, ring);
            }
        }

        _received += count - start;
        return count - start;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    /// <summary>
    /// Adaptive waiting (<see cref="CoalescingWindow"/>): poll, woken by the first frame, while
    /// frames are far apart; sleep a window and take a batch while they come close together.
    /// </summary>
    private int WaitAndCollect(PacketBatch batch, int timeoutMs)
    {
        if (_coalescing.Engaged)
        {
            var pause = new Interop.TimeSpec { Nanoseconds = _coalescing.WindowNanoseconds };
            _ = Interop.ClockNanoSleep(Interop.CLOCK_MONOTONIC, 0, &pause, null);
            var gathered = Collect(batch);
            _coalescing.AfterSleep(gathered);
            if (gathered > 0)
            {
                return gathered;
            }
        }

        var started = Stopwatch.GetTimestamp();
        Wait(timeoutMs);
        var count = Collect(batch);
        _coalescing.AfterPoll(count, Stopwatch.GetElapsedTime(started).Ticks * 100);
        return count;
    }

    private void Wait(int timeoutMs)
    {
        fixed (Interop.PollFd* fds = _pollFds)
        {
            var ready = Interop.Poll(fds, (nuint)_pollFds.Length, timeoutMs);
            if (ready > 0 && (fds[_pollFds.Length - 1].REvents & Interop.POLLIN) != 0)
            {
                ulong value;
                _ = Interop.Read(_wakeEvent.Fd, &value, sizeof(ulong));
            }
        }
    }

    public void Dispose()
    {
        // Wake a worker blocked in poll, then wait (bounded) for it to leave the ring before
        // the memory goes away: a late Receive after this point returns 0.
        Wake();
        if (!PortGate.Close(ref _state))
        {
            return;
        }

        foreach (var ring in _rings)
        {
            ring.Dispose();
        }

        _transmitter.Dispose();
        _wakeEvent.Dispose();
    }
}
