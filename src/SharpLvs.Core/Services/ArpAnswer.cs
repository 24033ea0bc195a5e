using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// A VIP the director answers ARP requests for on one interface, with the MAC it answers
/// with. Which VIPs and interfaces is the Linux/daemon side's decision (the ARP problem of
/// LVS-DR: only the director may answer for the VIP on the shared segment).
/// </summary>
public readonly record struct ArpAnswer(int IfIndex, InetAddress Address, MacAddress Mac);
