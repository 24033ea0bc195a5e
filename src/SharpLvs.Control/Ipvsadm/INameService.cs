using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The host's name databases as ipvsadm uses them: gethostbyname (IPv4 only) and
/// getservbyname when parsing, gethostbyaddr and getservbyport when listing without -n.
/// Behind an interface so tests give fixed answers and the real lookups stay bounded in time.
/// </summary>
public interface INameService
{
    /// <summary>gethostbyname: the first IPv4 address of a host name.</summary>
    bool TryResolveHost(string name, out InetAddress address);

    /// <summary>getservbyname(name, "tcp"|"udp"|"sctp").</summary>
    bool TryGetPort(string serviceName, byte protocol, out ushort port);

    /// <summary>getservbyport: the service name of a port, or null.</summary>
    string? GetServiceName(ushort port, byte protocol);

    /// <summary>gethostbyaddr: the host name of an address, or null.</summary>
    string? GetHostName(InetAddress address);
}
