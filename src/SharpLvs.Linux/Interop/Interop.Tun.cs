using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // linux/if_tun.h: TUNSETIFF = _IOW('T', 202, int).
    internal const uint TUNSETIFF = 0x400454CA;
    internal const short IFF_TUN = 0x0001;
    internal const short IFF_NO_PI = 0x1000;

    // linux/sockios.h
    internal const uint SIOCGIFFLAGS = 0x8913;
    internal const uint SIOCSIFFLAGS = 0x8914;
    internal const uint SIOCGIFINDEX = 0x8933;

    internal const int O_RDWR = 2;

    internal const ushort RTM_DELADDR = 21;
    internal const ushort IFA_LABEL = 3;
    internal const ushort IFA_FLAGS = 8;
    internal const uint IFA_F_NODAD = 0x02;

    /// <summary>struct ifreq with the ifr_flags / ifr_ifindex member of its union (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    internal unsafe struct IfReqFlags
    {
        public fixed byte Name[IFNAMSIZ];
        public int Value;
    }
}
