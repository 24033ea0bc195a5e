using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // AF_XDP (include/uapi/linux/if_xdp.h, Documentation/networking/af_xdp.rst).
    internal const int AF_XDP = 44;
    internal const int SOL_XDP = 283;

    internal const int XDP_MMAP_OFFSETS = 1;
    internal const int XDP_RX_RING = 2;
    internal const int XDP_TX_RING = 3;
    internal const int XDP_UMEM_REG = 4;
    internal const int XDP_UMEM_FILL_RING = 5;
    internal const int XDP_UMEM_COMPLETION_RING = 6;
    internal const int XDP_STATISTICS = 7;
    internal const int XDP_OPTIONS = 8;

    internal const ushort XDP_COPY = 1 << 1;
    internal const ushort XDP_ZEROCOPY = 1 << 2;
    internal const ushort XDP_USE_NEED_WAKEUP = 1 << 3;

    internal const uint XDP_RING_NEED_WAKEUP = 1;
    internal const uint XDP_OPTIONS_ZEROCOPY = 1;

    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_ANONYMOUS = 0x20;

    internal const long XDP_PGOFF_RX_RING = 0;
    internal const long XDP_PGOFF_TX_RING = 0x80000000;
    internal const long XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
    internal const long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000;

    /// <summary>struct xdp_umem_reg (with flags and tx_metadata_len, zero here).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct XdpUmemReg
    {
        public ulong Address;
        public ulong Length;
        public uint ChunkSize;
        public uint Headroom;
        public uint Flags;
        public uint TxMetadataLength;
    }

    /// <summary>struct xdp_ring_offset: where producer, consumer, descriptors and flags sit in a ring's mapping.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct XdpRingOffset
    {
        public ulong Producer;
        public ulong Consumer;
        public ulong Descriptors;
        public ulong Flags;
    }

    /// <summary>struct xdp_mmap_offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct XdpMmapOffsets
    {
        public XdpRingOffset Rx;
        public XdpRingOffset Tx;
        public XdpRingOffset Fill;
        public XdpRingOffset Completion;
    }

    /// <summary>struct xdp_desc: one RX/TX ring entry (a UMEM address and a length).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct XdpDesc
    {
        public ulong Address;
        public uint Length;
        public uint Options;
    }

    /// <summary>struct sockaddr_xdp.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrXdp
    {
        public ushort Family;
        public ushort Flags;
        public uint IfIndex;
        public uint QueueId;
        public uint SharedUmemFd;
    }

    /// <summary>struct xdp_statistics (the first four counters).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct XdpStatistics
    {
        public ulong RxDropped;
        public ulong RxInvalidDescriptors;
        public ulong TxInvalidDescriptors;
        public ulong RxRingFull;
        public ulong RxFillRingEmpty;
        public ulong TxRingEmpty;
    }
}
