using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    internal const int AF_UNIX = 1;
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;
    internal const int AF_PACKET = 17;

    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;

    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUF = 7;
    internal const int SO_PEERCRED = 17;
    internal const int SO_RCVBUFFORCE = 33;

    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_TRUNC = 0x20;

    [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(int fd, void* address, int addressLength);

    [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport(Libraries.Libc, EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendTo(int fd, void* buffer, nuint length, int flags, void* address, int addressLength);

    [LibraryImport(Libraries.Libc, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static unsafe partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary>Creates a socket or throws with errno's text; for setup paths only.</summary>
    internal static FileDescriptorHandle OpenSocket(int domain, int type, int protocol, string what)
    {
        var fd = Socket(domain, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno(what, Errors.Last);
        }

        return new FileDescriptorHandle(fd);
    }

    /// <summary>setsockopt with an int value, throwing on failure; for setup paths only.</summary>
    internal static unsafe void SetIntOption(FileDescriptorHandle socket, int level, int name, int value, string what)
    {
        if (SetSockOpt(socket.Fd, level, name, &value, sizeof(int)) != 0)
        {
            ThrowHelper.ThrowErrno(what, Errors.Last);
        }
    }

    /// <summary>struct iovec (bits/types/struct_iovec.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (bits/socket.h), x86-64/arm64 layout.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHdr
    {
        public void* Name;
        public int NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: one message of sendmmsg/recvmmsg and the bytes it moved.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct ucred (SO_PEERCRED).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }
}
