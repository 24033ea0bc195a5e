using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests;

/// <summary>Fixed answers in place of the host's resolver and /etc/services.</summary>
internal sealed class FakeNameService : INameService
{
    public Dictionary<string, InetAddress> Hosts { get; } = new()
    {
        ["vip.example"] = InetAddress.Parse("198.18.0.10"),
        ["localhost"] = InetAddress.Parse("127.0.0.1"),
    };

    public Dictionary<(string, byte), ushort> Ports { get; } = new()
    {
        [("http", IpProtocolNumbers.Tcp)] = 80,
        [("https", IpProtocolNumbers.Tcp)] = 443,
        [("domain", IpProtocolNumbers.Udp)] = 53,
        [("domain", IpProtocolNumbers.Tcp)] = 53,
    };

    public Dictionary<InetAddress, string> Reverse { get; } = [];

    public bool TryResolveHost(string name, out InetAddress address) => Hosts.TryGetValue(name, out address);

    public bool TryGetPort(string serviceName, byte protocol, out ushort port) => Ports.TryGetValue((serviceName, protocol), out port);

    public string? GetServiceName(ushort port, byte protocol) =>
        Ports.Where(p => p.Value == port && p.Key.Item2 == protocol).Select(p => p.Key.Item1).FirstOrDefault();

    public string? GetHostName(InetAddress address) => Reverse.GetValueOrDefault(address);
}
