using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SharpLvs.Control.Rules;
using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The host's resolver and <c>/etc/services</c>. Reverse lookups go through the system
/// resolver (so /etc/hosts counts, as for gethostbyaddr) but give up after a short timeout:
/// a listing must not hang on an unreachable DNS server.
/// </summary>
public sealed class SystemNameService : INameService
{
    // Read on first use: most lvsadm commands (all -n listings, every change given numbers)
    // never need it, and each lvsadm run is a process start.
    private readonly Lazy<ServicesFile> _services;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<InetAddress, string?> _hostNames = new();

    public SystemNameService(string servicesPath = "/etc/services", TimeSpan? timeout = null)
    {
        _services = new Lazy<ServicesFile>(() => ServicesFile.Load(servicesPath));
        _timeout = timeout ?? TimeSpan.FromSeconds(2);
    }

    public bool TryResolveHost(string name, out InetAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        try
        {
            var lookup = Dns.GetHostAddressesAsync(name, AddressFamily.InterNetwork);
            if (!lookup.Wait(_timeout) || lookup.Result.Length == 0)
            {
                return false;
            }

            address = InetAddress.FromIPAddress(lookup.Result[0]);
            return true;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public bool TryGetPort(string serviceName, byte protocol, out ushort port) =>
        _services.Value.TryGetPort(serviceName, ProtocolName(protocol), out port);

    public string? GetServiceName(ushort port, byte protocol) => _services.Value.GetName(port, ProtocolName(protocol));

    public string? GetHostName(InetAddress address) => _hostNames.GetOrAdd(address, Lookup);

    private string? Lookup(InetAddress address)
    {
        try
        {
            var lookup = Dns.GetHostEntryAsync(address.ToIPAddress());
            return lookup.Wait(_timeout) && !string.IsNullOrEmpty(lookup.Result.HostName) ? lookup.Result.HostName : null;
        }
        catch (AggregateException)
        {
            return null;
        }
    }

    private static string? ProtocolName(byte protocol) => protocol switch
    {
        IpProtocolNumbers.Tcp => "tcp",
        IpProtocolNumbers.Udp => "udp",
        IpProtocolNumbers.Sctp => "sctp",
        _ => null,
    };
}
