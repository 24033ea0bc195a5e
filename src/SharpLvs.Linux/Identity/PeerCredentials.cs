using System.Net.Sockets;

namespace SharpLvs.Linux.Identity;

/// <summary>Who is on the other end of a connected Unix socket (SO_PEERCRED, unix(7)).</summary>
public readonly record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    public bool IsRoot => UserId == 0;

    /// <summary>
    /// The credentials the peer had when it connected; false if the socket cannot tell (not a
    /// Unix socket, or no peer: the kernel then reports pid 0 and the overflow uid).
    /// </summary>
    public static unsafe bool TryGet(Socket socket, out PeerCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(socket);
        credentials = default;
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            return false;
        }

        Interop.UCred ucred = default;
        var length = sizeof(Interop.UCred);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        if (Interop.GetSockOpt(fd, Interop.SOL_SOCKET, Interop.SO_PEERCRED, &ucred, &length) != 0 || length != sizeof(Interop.UCred) ||
            ucred.Pid == 0)
        {
            return false;
        }

        credentials = new PeerCredentials(ucred.Pid, ucred.Uid, ucred.Gid);
        return true;
    }
}
