using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // linux/sockios.h
    internal const uint SIOCETHTOOL = 0x8946;

    internal const int IFNAMSIZ = 16;

    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>struct ifreq (linux/if.h) with the ifr_data member of its union (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IfReq
    {
        public fixed byte Name[IFNAMSIZ];
        public void* Data;
        public fixed byte Padding[16];
    }
}
