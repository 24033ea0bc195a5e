using System.Diagnostics;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Ports;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The director's packet port with AF_XDP: the steered flows (see <see cref="SteeringProgram"/>)
/// arrive on one AF_XDP socket per interface queue, everything the program passes (ARP for
/// VIPs, ICMP, ...) on the <see cref="AfPacketPort"/> rings as before, and one batch holds
/// both: the XDP frames first, then the AF_PACKET ones.
/// <para>
/// A steered frame is processed in its UMEM chunk and, when it leaves by the interface it
/// came in on, sent from that chunk through the socket's TX ring (no copy in user space; copy
/// mode copies once in the kernel). A frame leaving by another interface goes out through the
/// AF_PACKET transmitter, which copies it (each socket has its own UMEM, and a TX ring sends
/// only from its own). Waiting is the AF_PACKET port's: poll when idle, coalesce under load.
/// </para>
/// </summary>
public sealed unsafe class XdpPort : ILinkPort
{
    private readonly AfPacketPort _packet;
    private readonly XskSocket[] _sockets;
    private readonly ulong[] _macs;
    private readonly FileDescriptorHandle _wakeEvent;
    private readonly Interop.PollFd[] _pollFds;
    private CoalescingWindow _coalescing;
    private int[] _source = [];
    private ulong[] _chunk = [];
    private bool[] _inPlace = [];
    private int _xdpCount;
    private int _nextSocket;
    private long _received;
    private long _partial;
    private long _kernelDrops;
    private readonly ulong[] _lastSocketDrops;
    private int _state; // PortGate

    private XdpPort(AfPacketPort packet, XskSocket[] sockets, ulong[] macs, AfPacketPortOptions options)
    {
        _packet = packet;
        _sockets = sockets;
        _macs = macs;
        _lastSocketDrops = new ulong[sockets.Length];
        _coalescing = new CoalescingWindow(options.CoalesceMicroseconds);
        var fd = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno("eventfd", Interop.Errors.Last);
        }

        _wakeEvent = new FileDescriptorHandle(fd);
        var fds = packet.RingFds.Concat(sockets.Select(s => s.Fd)).Append(_wakeEvent.Fd).ToArray();
        _pollFds = new Interop.PollFd[fds.Length];
        for (var i = 0; i < fds.Length; i++)
        {
            _pollFds[i].Fd = fds[i];
            _pollFds[i].Events = Interop.POLLIN;
        }
    }

    /// <summary>UMEM chunk size: a page holds an MTU-sized frame after the kernel's XDP headroom and ours.</summary>
    public const int ChunkSize = 4096;

    /// <summary>Chunks per socket (and entries per ring): 8 MB of UMEM per queue.</summary>
    public const int FramesPerSocket = 2048;

    /// <summary>The AF_XDP sockets, one per (interface, queue) where XDP is attached.</summary>
    public IReadOnlyList<(int IfIndex, int Queue, bool ZeroCopy)> Sockets => _sockets.Select(s => (s.IfIndex, s.Queue, s.ZeroCopy)).ToArray();

    /// <summary>Frames received on the AF_XDP sockets.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Steered frames whose transport checksum arrived partial (see <see cref="PartialChecksumProbe"/>).</summary>
    public long PartialChecksums => Volatile.Read(ref _partial);

    public long TransmittedInPlace => _sockets.Sum(s => s.Transmitted);

    /// <summary>The AF_PACKET half (passed traffic, and frames leaving by an interface without a socket).</summary>
    public AfPacketPort PacketPort => _packet;

    /// <summary>
    /// Opens AF_XDP sockets on every queue of <paramref name="interfaces"/> that
    /// <paramref name="steering"/> is attached to and puts them into the program's XSKMAP, and
    /// the AF_PACKET rings on all of <paramref name="served"/>. Takes ownership of nothing it
    /// was given; the sockets and the AF_PACKET port are its own.
    /// </summary>
    public static XdpPort Open(XdpSteering steering, IReadOnlyList<XdpInterface> interfaces, IEnumerable<int> served, AfPacketPortOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(steering);
        ArgumentNullException.ThrowIfNull(interfaces);
        options ??= new AfPacketPortOptions();
        var sockets = new List<XskSocket>();
        var macs = new List<ulong>();
        AfPacketPort? packet = null;
        try
        {
            foreach (var nic in interfaces)
            {
                for (var queue = 0; queue < nic.Queues; queue++)
                {
                    var socket = XskSocket.Open(nic.IfIndex, queue, FramesPerSocket, ChunkSize, options.Headroom);
                    sockets.Add(socket);
                    macs.Add(nic.Mac.Value);
                    steering.AddSocket(socket);
                }
            }

            packet = new AfPacketPort(served, options);
            return new XdpPort(packet, [.. sockets], [.. macs], options);
        }
        catch
        {
            packet?.Dispose();
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }

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
            if (_source.Length < batch.Capacity)
            {
                // Once per batch size, on the first receive: the hot path allocates nothing after.
                _source = new int[batch.Capacity];
                _chunk = new ulong[batch.Capacity];
                _inPlace = new bool[batch.Capacity];
            }

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
            var items = batch.Items;
            var xdp = Math.Min(_xdpCount, batch.Count);

            // Frames leaving by their own interface go on their socket's TX ring; they are
            // hidden from the AF_PACKET transmitter meanwhile (verdict restored below).
            for (var i = 0; i < xdp; i++)
            {
                _inPlace[i] = TryQueueInPlace(ref items[i], _sockets[_source[i]], _chunk[i]);
            }

            _packet.SendAndRelease(batch);
            for (var i = 0; i < xdp; i++)
            {
                if (_inPlace[i])
                {
                    items[i].Verdict = Verdict.Transmit;
                }
                else
                {
                    // Dropped, passed, or already copied into an skb by sendmmsg: the chunk is free.
                    _sockets[_source[i]].Recycle(_chunk[i]);
                }
            }

            foreach (var socket in _sockets)
            {
                socket.Flush();
            }

            _xdpCount = 0;
            batch.Count = 0;
        }
        finally
        {
            PortGate.Exit(ref _state);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryQueueInPlace(ref PacketDescriptor d, XskSocket socket, ulong chunk)
    {
        if (d.Verdict != Verdict.Transmit || d.EgressIfIndex != socket.IfIndex || d.Gso != GsoType.None
            || d.Offset < 0 || d.Length < 14 || d.Offset + d.Length > socket.ChunkSize)
        {
            return false;
        }

        if (d.NeedsChecksum)
        {
            // No offload on the TX ring (copy mode builds a plain skb): finish it here, as the
            // kernel's skb_checksum_help would.
            var frame = d.Frame;
            if (!Checksum.CompletePartial(frame, d.ChecksumStart, d.ChecksumOffset))
            {
                return false;
            }

            d.NeedsChecksum = false;
        }

        if (!socket.Enqueue(chunk + (ulong)d.Offset, (uint)d.Length))
        {
            return false;
        }

        d.Verdict = Verdict.PassToKernel;
        return true;
    }

    private int Collect(PacketBatch batch)
    {
        var items = batch.Items;
        var capacity = items.Length;
        var count = 0;
        var socketCount = _sockets.Length;
        var first = _nextSocket;
        _nextSocket = first + 1 >= socketCount ? 0 : first + 1;
        for (var s = 0; s < socketCount && count < capacity; s++)
        {
            var index = (first + s) % socketCount;
            var socket = _sockets[index];
            var taken = socket.Peek((uint)(capacity - count), out var at);
            for (var j = 0u; j < taken; j++)
            {
                var desc = socket.ReceivedAt(at + j);
                Describe(ref items[count], socket, desc, _macs[index]);
                _source[count] = index;
                _chunk[count] = desc->Address & ~(ulong)(socket.ChunkSize - 1);
                count++;
            }

            if (taken > 0)
            {
                socket.ReleaseReceived();
            }
        }

        _xdpCount = count;
        _received += count;
        return count + _packet.Collect(batch, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Describe(ref PacketDescriptor d, XskSocket socket, Interop.XdpDesc* desc, ulong mac)
    {
        var chunk = desc->Address & ~(ulong)(socket.ChunkSize - 1);
        d = default;
        d.Buffer = socket.Umem + (nint)chunk;
        d.Offset = (int)(desc->Address - chunk);
        d.Capacity = socket.ChunkSize;
        d.Length = (int)desc->Length;
        d.IngressIfIndex = socket.IfIndex;
        var frame = d.Frame;
        d.Class = Classify(frame, mac);
        if (PartialChecksumProbe.IsPartial(frame, out d.ChecksumStart, out d.ChecksumOffset))
        {
            d.NeedsChecksum = true;
            _partial++;
        }
    }

    /// <summary>sll_pkttype from the destination MAC, as eth_type_trans decides it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PacketClass Classify(ReadOnlySpan<byte> frame, ulong mac)
    {
        if (frame.Length < 6)
        {
            return PacketClass.OtherHost;
        }

        var destination = MacAddress.Read(frame).Value;
        if ((frame[0] & 1) != 0)
        {
            return destination == MacAddress.Broadcast.Value ? PacketClass.Broadcast : PacketClass.Multicast;
        }

        return destination == mac ? PacketClass.Host : PacketClass.OtherHost;
    }

    /// <summary>The AF_PACKET port's adaptive wait (poll when idle, coalesce under load), over both kinds of socket.</summary>
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
        foreach (var socket in _sockets)
        {
            socket.WakeFillIfNeeded();
        }

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

    /// <summary>Interrupts a <see cref="Receive"/> waiting in poll (any thread).</summary>
    public void Wake()
    {
        ulong one = 1;
        _ = Interop.Write(_wakeEvent.Fd, &one, sizeof(ulong));
    }

    public bool SendFrame(int ifIndex, ReadOnlySpan<byte> frame) => !PortGate.IsClosed(ref _state) && _packet.SendFrame(ifIndex, frame);

    /// <summary>On the AF_PACKET rings: Neighbour Solicitations (ICMPv6) are passed by the program and arrive there.</summary>
    public string? SetMulticastMembership(int ifIndex, MacAddress group, bool join) => _packet.SetMulticastMembership(ifIndex, group, join);

    /// <summary>AF_PACKET ring drops plus the sockets' RX drops (ring full, frame too large for a chunk).</summary>
    public long RefreshKernelDrops()
    {
        var packetDrops = _packet.RefreshKernelDrops();
        long socketDrops = 0;
        if (!PortGate.IsClosed(ref _state))
        {
            for (var i = 0; i < _sockets.Length; i++)
            {
                var stats = _sockets[i].ReadStatistics();
                var total = stats.RxDropped + stats.RxRingFull;
                socketDrops += (long)(total - Math.Min(total, _lastSocketDrops[i]));
                _lastSocketDrops[i] = Math.Max(total, _lastSocketDrops[i]);
            }
        }

        return packetDrops + Interlocked.Add(ref _kernelDrops, socketDrops);
    }

    public void Dispose()
    {
        Wake();
        if (!PortGate.Close(ref _state))
        {
            return;
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _packet.Dispose();
        _wakeEvent.Dispose();
    }
}
