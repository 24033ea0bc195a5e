using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// Where a real server is reached on the wire: egress interface and the two MACs of the
/// rewritten frame. Resolved from the host's routes and neighbours by the Linux edge and
/// swapped in whole (immutable) when they change. <paramref name="PreferredSource"/> is the
/// route's source address toward the real server (RTA_PREFSRC, the kernel's dest_dst->dst_saddr),
/// the outer source of tunnelled packets; <see cref="InetAddress.None"/> when unknown.
/// </summary>
public sealed record NextHop(int IfIndex, MacAddress Source, MacAddress Destination, int Mtu, InetAddress PreferredSource = default);
