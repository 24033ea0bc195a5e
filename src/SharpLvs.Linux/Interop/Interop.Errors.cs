using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    /// <summary>The errno values the edge reacts to (asm-generic/errno-base.h, errno.h).</summary>
    internal static class Errors
    {
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EBUSY = 16;
        internal const int EINVAL = 22;
        internal const int ENETDOWN = 100;
        internal const int ENOBUFS = 105;
        internal const int EOPNOTSUPP = 95;
        internal const int EMSGSIZE = 90;

        internal static int Last => Marshal.GetLastPInvokeError();

        internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno) + $" (errno {errno})";
    }
}
