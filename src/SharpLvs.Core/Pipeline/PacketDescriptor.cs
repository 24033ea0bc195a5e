namespace SharpLvs.Core.Pipeline;

/// <summary>How the link layer classified a received frame (AF_PACKET's <c>sll_pkttype</c>).</summary>
public enum PacketClass : byte
{
    Host = 0,
    Broadcast = 1,
    Multicast = 2,
    OtherHost = 3,
    Outgoing = 4,
}

/// <summary>Segmentation offload carried with a super-frame (virtio_net_hdr's gso_type).</summary>
public enum GsoType : byte
{
    None = 0,
    TcpV4 = 1,
    Udp = 3,
    TcpV6 = 4,
    UdpL4 = 5,
}

/// <summary>
/// One frame in flight: where it lives, what the port learned about it, and the verdict the
/// pipeline gave. The port fills the first part, <see cref="PacketProcessor"/> the second.
/// The frame is <c>Buffer[Offset .. Offset + Length]</c>; the bytes before <c>Offset</c> are
/// headroom a forwarder may grow into (encapsulation) by lowering <c>Offset</c>.
/// </summary>
public struct PacketDescriptor
{
    /// <summary>
    /// Bytes right before <c>Offset</c> a port may use for its own per-frame header when it
    /// sends (virtio_net_hdr): a forwarder that grows a frame into the headroom leaves them.
    /// </summary>
    public const int PortReserve = 16;

    // Filled by the packet port.
    public nint Buffer;
    public int Capacity;
    public int Offset;
    public int Length;
    public int IngressIfIndex;
    public PacketClass Class;

    /// <summary>
    /// The L4 checksum is only partial (CHECKSUM_PARTIAL, TESTBED fact 1): the field at
    /// <c>ChecksumStart + ChecksumOffset</c> (from the frame's start) holds the pseudo-header sum.
    /// </summary>
    public bool NeedsChecksum;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    /// <summary>A super-frame (TESTBED fact 2) to be segmented into <c>GsoSize</c>-byte payloads on send.</summary>
    public GsoType Gso;
    public ushort GsoSize;
    public ushort GsoHeaderLength;

    // Filled by the pipeline.
    public Verdict Verdict;
    public DropReason Reason;
    public int EgressIfIndex;

    public readonly unsafe Span<byte> Frame => new((byte*)Buffer + Offset, Length);

    public readonly unsafe Span<byte> WholeBuffer => new((byte*)Buffer, Capacity);
}
