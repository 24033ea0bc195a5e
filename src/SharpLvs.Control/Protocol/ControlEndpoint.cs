using System.Net.Sockets;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// Where lvsd listens: an abstract Unix socket. Linux scopes abstract names by network
/// namespace, so each namespace has its own lvsd at the same name, just as each namespace
/// has its own kernel IPVS table, and nothing is left in the file system after a crash.
/// </summary>
public static class ControlEndpoint
{
    /// <summary>The name without the leading NUL that makes it abstract.</summary>
    public const string DefaultName = "sharplvs/lvsd";

    public static UnixDomainSocketEndPoint For(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new UnixDomainSocketEndPoint("\0" + name);
    }
}
