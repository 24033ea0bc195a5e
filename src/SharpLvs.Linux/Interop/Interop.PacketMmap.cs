using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

/// <summary>
/// The shared-memory ring of an AF_PACKET socket (Documentation/networking/packet_mmap.rst).
/// One TPACKET_V2 frame, as tpacket_rcv (net/packet/af_packet.c) lays it out for SOCK_RAW
/// with PACKET_VNET_HDR and PACKET_RESERVE:
/// <code>
///  0        32             52                                   tp_mac-10  tp_mac
///  +--------+--------------+---------- ... ---------+-----------+----------+--------------+
///  | tpacket2_hdr | sockaddr_ll |  padding (align)  |  reserve  | vnet_hdr | frame ...    |
///  +--------+--------------+---------- ... ---------+-----------+----------+--------------+
/// </code>
/// </summary>
internal static partial class Interop
{
    internal const int TPACKET_V2 = 1;

    internal const uint TP_STATUS_KERNEL = 0;
    internal const uint TP_STATUS_USER = 1 << 0;
    internal const uint TP_STATUS_COPY = 1 << 1;
    internal const uint TP_STATUS_LOSING = 1 << 2;
    internal const uint TP_STATUS_CSUMNOTREADY = 1 << 3;

    internal const int TPACKET_ALIGNMENT = 16;

    /// <summary>TPACKET_ALIGN(sizeof(tpacket2_hdr)): where the sockaddr_ll starts in a frame.</summary>
    internal const int TPacket2HeaderLength = 32;

    /// <summary>struct tpacket2_hdr: the status word the kernel and we hand the frame over with.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct TPacket2Hdr
    {
        public uint Status;
        public uint Len;
        public uint SnapLen;
        public ushort Mac;
        public ushort Net;
        public uint Sec;
        public uint NSec;
        public ushort VlanTci;
        public ushort VlanTpid;
        public fixed byte Padding[4];
    }

    /// <summary>struct tpacket_req: the ring's geometry for PACKET_RX_RING.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TPacketReq
    {
        public uint BlockSize;
        public uint BlockCount;
        public uint FrameSize;
        public uint FrameCount;
    }

    // linux/virtio_net.h
    internal const byte VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    internal const byte VIRTIO_NET_HDR_GSO_ECN = 0x80;

    /// <summary>
    /// struct virtio_net_hdr (linux/virtio_net.h), little-endian fields (virtio 1.0, what
    /// af_packet's vio_le() picks on a little-endian host).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirtioNetHdr
    {
        public byte Flags;
        public byte GsoType;
        public ushort HdrLen;
        public ushort GsoSize;
        public ushort CsumStart;
        public ushort CsumOffset;
    }

    internal static int TPacketAlign(int x) => (x + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1);
}
