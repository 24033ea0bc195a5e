using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One connection entry as <c>ipvsadm -Lc</c> shows it: client (CIP:CPORT), virtual
/// (VIP:VPORT), destination (RIP:RPORT), state and time left.
/// </summary>
public readonly record struct ConnectionInfo(
    byte Protocol,
    InetAddress ClientAddress,
    ushort ClientPort,
    InetAddress VirtualAddress,
    ushort VirtualPort,
    InetAddress DestinationAddress,
    ushort DestinationPort,
    TcpState State,
    ForwardingMethod Method,
    long ExpiresInMs)
{
    /// <summary>The state column: a TCP state name, or "UDP" (udp_state_name_table).</summary>
    public string StateName => Protocol == IpProtocols.Udp ? "UDP" : TcpStateMachine.Name(State);
}
