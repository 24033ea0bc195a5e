using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// Where a real server is reached on the wire: egress interface and the two MACs of the
/// rewritten frame. Resolved from the host's routes and neighbours by the Linux edge and
/// swapped in whole (immutable) when they change.
/// </summary>
public sealed record NextHop(int IfIndex, MacAddress Source, MacAddress Destination, int Mtu);
