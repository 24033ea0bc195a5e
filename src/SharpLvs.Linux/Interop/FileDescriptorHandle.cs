using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

/// <summary>
/// Owns one file descriptor (socket, eventfd, namespace file). Zero is a valid descriptor,
/// so only -1 means "none".
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(-1, ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw descriptor for system calls; valid while this handle is not disposed.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
