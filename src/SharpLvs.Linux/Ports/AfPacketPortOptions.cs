namespace SharpLvs.Linux.Ports;

/// <summary>Geometry of an <see cref="AfPacketPort"/>'s per-interface RX rings.</summary>
public sealed class AfPacketPortOptions
{
    /// <summary>
    /// Bytes per ring frame. A 64 KB super-frame (TESTBED fact 2) needs 65535 + 14 bytes plus
    /// the frame's own header, sockaddr_ll, headroom and virtio_net_hdr (≈ 140 bytes):
    /// 69632 (17 pages) holds it with room to spare, so nothing is truncated.
    /// </summary>
    public int FrameSize { get; init; } = 69632;

    /// <summary>
    /// Frames per interface (rounded up to whole blocks). Memory against burst: 240 frames of
    /// 68 KB pin ≈ 16 MB per interface and absorb a 240-frame burst while the worker is busy;
    /// with 1500-byte traffic the ring is mostly empty space, the price of accepting super-frames.
    /// </summary>
    public int FrameCount { get; init; } = 240;

    /// <summary>
    /// Bytes before each frame (PACKET_RESERVE) a forwarder may grow into when it encapsulates:
    /// the largest TUN header (IPv6 + UDP + GUE with remote checksum, 60 bytes), the new
    /// Ethernet header's 14 beyond the received one's, and the sender's virtio_net_hdr
    /// (<c>PacketDescriptor.PortReserve</c>) fit.
    /// </summary>
    public int Headroom { get; init; } = 96;

    internal void Validate()
    {
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
