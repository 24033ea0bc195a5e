using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // linux/if_ether.h
    internal const ushort ETH_P_ALL = 0x0003;

    // linux/socket.h, linux/if_packet.h
    internal const int SOL_PACKET = 263;
    internal const int PACKET_ADD_MEMBERSHIP = 1;
    internal const int PACKET_DROP_MEMBERSHIP = 2;
    internal const int PACKET_RX_RING = 5;
    internal const int PACKET_STATISTICS = 6;
    internal const int PACKET_COPY_THRESH = 7;
    internal const int PACKET_VERSION = 10;
    internal const int PACKET_RESERVE = 12;
    internal const int PACKET_VNET_HDR = 15;
    internal const int PACKET_QDISC_BYPASS = 20;
    internal const int PACKET_IGNORE_OUTGOING = 23;
    internal const int PACKET_FANOUT = 18;
    internal const int PACKET_FANOUT_DATA = 22;
    internal const int PACKET_FANOUT_CBPF = 6;
    internal const int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    internal const int PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;
    internal const ushort PACKET_MR_MULTICAST = 0;

    /// <summary>struct sock_filter (linux/filter.h): one classic-BPF instruction.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    /// <summary>struct sock_fprog (linux/filter.h): a classic-BPF program.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    /// <summary>struct sockaddr_ll (linux/if_packet.h): a link-layer address and its interface.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockAddrLl
    {
        public ushort Family;

        /// <summary>Ethertype in network order.</summary>
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Addr[8];
    }

    /// <summary>struct tpacket_stats: counters reset on each read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TPacketStats
    {
        public uint Packets;
        public uint Drops;
    }

    /// <summary>struct packet_mreq (linux/if_packet.h): a link-layer membership of a packet socket.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct PacketMreq
    {
        public int IfIndex;
        public ushort Type;
        public ushort AddressLength;
        public fixed byte Address[8];
    }
}
