using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// One connection entry as <c>ipvsadm -Lc</c> shows it: client (CIP:CPORT), virtual
/// (VIP:VPORT), destination (RIP:RPORT), state and time left. A persistence template
/// (<see cref="IsTemplate"/>) has client port 0 and the client's masked address; for a
/// fwmark service its protocol is 0 (IPPROTO_IP), its virtual address the mark and its
/// virtual port 0, as the kernel keys it (ip_vs_sched_persist).
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
    long ExpiresInMs,
    bool IsTemplate = false)
{
    /// <summary>
    /// The state column: "NONE" for a persistence template (ip_vs_state_name's template table),
    /// else a TCP state name, or "UDP" (udp_state_name_table).
    /// </summary>
    public string StateName => IsTemplate ? "NONE" : Protocol == IpProtocols.Udp ? "UDP" : TcpStateMachine.Name(State);
}
