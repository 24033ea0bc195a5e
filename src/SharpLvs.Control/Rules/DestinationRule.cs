using System.Text.Json.Serialization;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Rules;

/// <summary>
/// One real server of a virtual service as configured (the kernel's <c>ip_vs_dest_user_kern</c>).
/// A destination is identified inside its service by (address, port).
/// </summary>
/// <param name="Address">Real server address (RIP); IPv6 allowed under an IPv4 service only for tunnels.</param>
/// <param name="Port">Real server port; equals the service port for DR and TUN (ipvsadm enforces it).</param>
/// <param name="Forwarding">How packets reach it: DR (<c>-g</c>), NAT (<c>-m</c>), TUN (<c>-i</c>), or Local.</param>
/// <param name="Weight">Capacity, 0..65535 from ipvsadm; 0 quiesces the server (no new connections).</param>
/// <param name="UpperThreshold">Connection limit (<c>-x</c>), 0 = none.</param>
/// <param name="LowerThreshold">Level below which an overloaded server is used again (<c>-y</c>).</param>
/// <param name="TunnelType">Encapsulation for TUN servers.</param>
/// <param name="TunnelPort">GUE destination port (host order), 0 when not used.</param>
/// <param name="TunnelFlags">GUE/GRE checksum option.</param>
public sealed record DestinationRule(
    InetAddress Address,
    ushort Port,
    ForwardingMethod Forwarding = ForwardingMethod.DirectRouting,
    int Weight = 1,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] uint UpperThreshold = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] uint LowerThreshold = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] TunnelType TunnelType = TunnelType.IpIp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] ushort TunnelPort = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] TunnelFlags TunnelFlags = TunnelFlags.NoChecksum)
{
    /// <summary>True when this rule names the same real server (address and port).</summary>
    public bool SameServer(InetAddress address, ushort port) => Address == address && Port == port;
}
