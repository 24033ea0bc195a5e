using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

/// <summary>rtnetlink (linux/netlink.h, linux/rtnetlink.h, linux/neighbour.h, linux/if_link.h).</summary>
internal static partial class Interop
{
    internal const int NETLINK_ROUTE = 0;

    internal const ushort NLMSG_ERROR = 2;
    internal const ushort NLMSG_DONE = 3;
    internal const ushort NLMSG_OVERRUN = 4;

    internal const ushort NLM_F_REQUEST = 0x01;
    internal const ushort NLM_F_MULTI = 0x02;
    internal const ushort NLM_F_ACK = 0x04;
    internal const ushort NLM_F_DUMP = 0x300;
    internal const ushort NLM_F_REPLACE = 0x100;
    internal const ushort NLM_F_CREATE = 0x400;

    internal const ushort RTM_NEWLINK = 16;
    internal const ushort RTM_GETLINK = 18;
    internal const ushort RTM_NEWADDR = 20;
    internal const ushort RTM_GETADDR = 22;
    internal const ushort RTM_NEWROUTE = 24;
    internal const ushort RTM_GETROUTE = 26;
    internal const ushort RTM_NEWNEIGH = 28;
    internal const ushort RTM_GETNEIGH = 30;

    internal const ushort IFLA_ADDRESS = 1;
    internal const ushort IFLA_IFNAME = 3;
    internal const ushort IFLA_MTU = 4;

    internal const ushort IFA_ADDRESS = 1;
    internal const ushort IFA_LOCAL = 2;

    internal const ushort RTA_DST = 1;
    internal const ushort RTA_OIF = 4;
    internal const ushort RTA_GATEWAY = 5;
    internal const ushort RTA_PREFSRC = 7;

    internal const ushort NDA_DST = 1;
    internal const ushort NDA_LLADDR = 2;

    internal const byte NTF_USE = 0x01;

    internal const uint IFF_UP = 0x1;
    internal const uint IFF_LOOPBACK = 0x8;
    internal const uint IFF_RUNNING = 0x40;

    internal const byte RTN_UNICAST = 1;
    internal const byte RTN_LOCAL = 2;

    // Multicast groups (the legacy RTMGRP_* bit masks for sockaddr_nl.nl_groups).
    internal const uint RTMGRP_LINK = 0x1;
    internal const uint RTMGRP_NEIGH = 0x4;
    internal const uint RTMGRP_IPV4_IFADDR = 0x10;
    internal const uint RTMGRP_IPV4_ROUTE = 0x40;
    internal const uint RTMGRP_IPV6_IFADDR = 0x100;
    internal const uint RTMGRP_IPV6_ROUTE = 0x400;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NlMsgHdr
    {
        public uint Length;
        public ushort Type;
        public ushort Flags;
        public uint Sequence;
        public uint Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IfInfoMsg
    {
        public byte Family;
        public byte Pad;
        public ushort Type;
        public int Index;
        public uint Flags;
        public uint Change;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IfAddrMsg
    {
        public byte Family;
        public byte PrefixLength;
        public byte Flags;
        public byte Scope;
        public int Index;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RtMsg
    {
        public byte Family;
        public byte DstLength;
        public byte SrcLength;
        public byte Tos;
        public byte Table;
        public byte Protocol;
        public byte Scope;
        public byte Type;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NdMsg
    {
        public byte Family;
        public byte Pad1;
        public ushort Pad2;
        public int IfIndex;
        public ushort State;
        public byte Flags;
        public byte Type;
    }
}
