using System.Net.Sockets;

namespace SharpLvs.Linux.Tunnel;

/// <summary>
/// Raw IP sockets for any protocol number: .NET's <see cref="Socket"/> constructor refuses
/// protocol numbers it has no name for (4, 41), so the descriptor is made here and wrapped.
/// </summary>
public static class RawSockets
{
    /// <summary>
    /// A raw socket receiving every packet of <paramref name="protocol"/> (AF_INET: with the
    /// IPv4 header; AF_INET6: payload only), or null when the family is not available.
    /// </summary>
    public static Socket? Open(AddressFamily family, byte protocol)
    {
        var domain = family == AddressFamily.InterNetworkV6 ? Interop.AF_INET6 : Interop.AF_INET;
        var fd = Interop.Socket(domain, Interop.SOCK_RAW | Interop.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            var errno = Interop.Errors.Last;
            if (family == AddressFamily.InterNetworkV6)
            {
                return null;
            }

            ThrowHelper.ThrowErrno($"socket(AF_INET, SOCK_RAW, {protocol})", errno);
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }
}
