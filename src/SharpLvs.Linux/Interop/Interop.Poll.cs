using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    internal const short POLLIN = 0x001;
    internal const short POLLERR = 0x008;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
