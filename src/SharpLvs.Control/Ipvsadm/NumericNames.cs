using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// Numbers only, no resolver: what a state file is read with (it never depends on DNS or
/// /etc/services) and what lvsd prints <c>-n</c> listings with.
/// </summary>
internal sealed class NumericNames : INameService
{
    public static NumericNames Instance { get; } = new();

    public bool TryResolveHost(string name, out InetAddress address)
    {
        address = default;
        return false;
    }

    public bool TryGetPort(string serviceName, byte protocol, out ushort port)
    {
        port = 0;
        return false;
    }

    public string? GetServiceName(ushort port, byte protocol) => null;

    public string? GetHostName(InetAddress address) => null;
}
