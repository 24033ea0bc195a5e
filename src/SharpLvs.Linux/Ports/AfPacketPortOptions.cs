namespace SharpLvs.Linux.Ports;

/// <summary>Geometry of an <see cref="AfPacketPort"/>'s per-interface RX rings.</summary>
public sealed class AfPacketPortOptions
{
    /// <summary>
    /// Bytes per ring frame: 2048 holds an MTU-sized frame (1514 + VLAN tag) after the slot's
    /// tpacket2_hdr, sockaddr_ll, headroom and virtio_net_hdr (≈ 190 bytes), two frames a page.
    /// Larger frames (64 KB super-frames, TESTBED fact 2) arrive whole through the socket's
    /// receive queue (PACKET_COPY_THRESH, see PacketRing), so nothing is truncated.
    /// </summary>
    public int FrameSize { get; init; } = 2048;

    /// <summary>
    /// Frames per interface (rounded up to whole blocks). 8192 frames of 2 KB pin 16 MB per
    /// interface and absorb ≈ 55 ms at 150 kpps while the worker is off the CPU (the old
    /// 240 slots of 68 KB, sized for super-frames, held 1.6 ms in the same memory).
    /// </summary>
    public int FrameCount { get; init; } = 8192;

    /// <summary>
    /// Bytes before each frame (PACKET_RESERVE) a forwarder may grow into when it encapsulates:
    /// the largest TUN header (IPv6 + UDP + GUE with remote checksum, 60 bytes), the new
    /// Ethernet header's 14 beyond the received one's, and the sender's virtio_net_hdr
    /// (<c>PacketDescriptor.PortReserve</c>) fit.
    /// </summary>
    public int Headroom { get; init; } = 96;

    /// <summary>
    /// The longest interrupt-coalescing window, in µs (0: off): under load the port sleeps a
    /// window sized for about <see cref="CoalescingWindow.TargetBatch"/> frames per wake-up
    /// instead of being woken per frame (<see cref="CoalescingWindow"/>). Bounds the latency it
    /// adds; at a low rate (one request at a time) it never engages.
    /// </summary>
    public int CoalesceMicroseconds { get; init; } = 100;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(CoalesceMicroseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CoalesceMicroseconds, 999_999);
        ArgumentOutOfRangeException.ThrowIfLessThan(FrameSize, 2048);
        ArgumentOutOfRangeException.ThrowIfLessThan(FrameCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Headroom);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Headroom, 1024);
        if (FrameSize % Interop.TPACKET_ALIGNMENT != 0)
        {
            throw new ArgumentException($"FrameSize must be a multiple of {Interop.TPACKET_ALIGNMENT}", nameof(FrameSize));
        }
    }
}
