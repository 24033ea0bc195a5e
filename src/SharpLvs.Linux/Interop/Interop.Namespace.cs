using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    internal const int CLONE_NEWNET = 0x40000000;

    /// <summary>Moves the calling thread (only) into the namespace <paramref name="fd"/> names.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int namespaceType);

    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;
}
