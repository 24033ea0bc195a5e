using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel recorded it at connect time
/// (SO_PEERCRED, native-endian <c>struct ucred { pid_t pid; uid_t uid; gid_t gid; }</c>): it cannot be forged
/// by the client, so it decides who may change the rules.
/// </summary>
public readonly record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>ipvsadm needs root (CAP_NET_ADMIN) for every IPVS command, listing included.</summary>
    public bool IsRoot => UserId == 0;

    /// <summary>Reads SO_PEERCRED; null when the socket cannot tell (then the peer is refused).</summary>
    public static PeerCredentials? Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != ucred.Length)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }

    /// <summary>The admission rule the server applies: root only, unknown peers refused.</summary>
    public static bool IsAllowed(PeerCredentials? peer) => peer is { IsRoot: true };
}
