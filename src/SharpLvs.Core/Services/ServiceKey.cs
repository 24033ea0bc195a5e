using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// What identifies a virtual service: (protocol, virtual address, port), or a firewall mark
/// (then protocol/port are zero and the address family is kept in <c>Address</c>).
/// </summary>
public readonly record struct ServiceKey(byte Protocol, InetAddress Address, ushort Port, uint FirewallMark = 0);
