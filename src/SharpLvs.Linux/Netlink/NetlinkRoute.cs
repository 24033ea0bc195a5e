using System.Runtime.InteropServices;
using System.Text;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Netlink;

/// <summary>
/// The host's links, addresses, routes and neighbours over rtnetlink (no shelling out to
/// <c>ip</c>). Thread-safe: requests are serialised on one socket. Lives in the network
/// namespace of the thread that created it.
/// </summary>
public sealed class NetlinkRoute : INeighbourTable, IDisposable
{
    private readonly NetlinkSocket _socket = new();

    public IReadOnlyList<LinkInfo> GetLinks()
    {
        var links = new List<LinkInfo>();
        var request = Dump(Interop.RTM_GETLINK);
        var message = new Interop.IfInfoMsg();
        request.Append(ref message);
        Check(_socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWLINK && ParseLink(reply) is { } link)
            {
                links.Add(link);
            }
        }), "RTM_GETLINK");
        return links;
    }

    public LinkInfo? GetLink(int ifIndex)
    {
        LinkInfo? found = null;
        var request = new NetlinkMessageBuilder(Interop.RTM_GETLINK, Interop.NLM_F_REQUEST, _socket.NextSequence());
        var message = new Interop.IfInfoMsg { Index = ifIndex };
        request.Append(ref message);
        var result = _socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWLINK)
            {
                found = ParseLink(reply);
            }
        });
        return result == 0 ? found : null;
    }

    public IReadOnlyList<AddressInfo> GetAddresses()
    {
        var addresses = new List<AddressInfo>();
        var request = Dump(Interop.RTM_GETADDR);
        var message = new Interop.IfAddrMsg();
        request.Append(ref message);
        Check(_socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWADDR && ParseAddress(reply) is { } address)
            {
                addresses.Add(address);
            }
        }), "RTM_GETADDR");
        return addresses;
    }

    /// <summary>The route the kernel would use to <paramref name="destination"/> (ip route get), or null if none.</summary>
    public RouteInfo? LookupRoute(InetAddress destination)
    {
        RouteInfo? found = null;
        var request = new NetlinkMessageBuilder(Interop.RTM_GETROUTE, Interop.NLM_F_REQUEST, _socket.NextSequence());
        var message = new Interop.RtMsg
        {
            Family = (byte)(destination.IsIPv4 ? Interop.AF_INET : Interop.AF_INET6),
            DstLength = (byte)(destination.IsIPv4 ? 32 : 128),
        };
        request.Append(ref message).AddAttribute(Interop.RTA_DST, destination);
        var result = _socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWROUTE)
            {
                found = ParseRoute(reply);
            }
        });

        // ENETUNREACH, EHOSTUNREACH and friends: no route is an answer, not a failure.
        return result == 0 ? found : null;
    }

    public IReadOnlyList<NeighbourInfo> GetNeighbours()
    {
        var neighbours = new List<NeighbourInfo>();
        var request = Dump(Interop.RTM_GETNEIGH);
        var message = new Interop.NdMsg();
        request.Append(ref message);
        Check(_socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWNEIGH && ParseNeighbour(reply) is { } neighbour)
            {
                neighbours.Add(neighbour);
            }
        }), "RTM_GETNEIGH");
        return neighbours;
    }

    /// <summary>The neighbour entry for <paramref name="address"/> on <paramref name="ifIndex"/>, or null if none.</summary>
    public NeighbourInfo? LookupNeighbour(int ifIndex, InetAddress address)
    {
        NeighbourInfo? found = null;
        var request = new NetlinkMessageBuilder(Interop.RTM_GETNEIGH, Interop.NLM_F_REQUEST, _socket.NextSequence());
        var message = new Interop.NdMsg
        {
            Family = (byte)(address.IsIPv4 ? Interop.AF_INET : Interop.AF_INET6),
            IfIndex = ifIndex,
        };
        request.Append(ref message).AddAttribute(Interop.NDA_DST, address);
        var result = _socket.Request(request, reply =>
        {
            if (reply.Type == Interop.RTM_NEWNEIGH)
            {
                found = ParseNeighbour(reply);
            }
        });
        return result == 0 ? found : null;
    }

    /// <summary>
    /// RTM_NEWNEIGH with NTF_USE (net/core/neighbour.c, neigh_add → neigh_event_send): the
    /// kernel creates the entry if needed and starts ARP / neighbour discovery for it, as if a
    /// packet were waiting; nothing is sent to the address's services.
    /// </summary>
    public void RequestResolution(int ifIndex, InetAddress address) => _ = TryRequestResolution(ifIndex, address);

    /// <summary>As <see cref="RequestResolution"/>; returns 0 or the kernel's negative errno.</summary>
    public int TryRequestResolution(int ifIndex, InetAddress address)
    {
        var request = new NetlinkMessageBuilder(
            Interop.RTM_NEWNEIGH,
            Interop.NLM_F_REQUEST | Interop.NLM_F_ACK | Interop.NLM_F_CREATE | Interop.NLM_F_REPLACE,
            _socket.NextSequence());
        var message = new Interop.NdMsg
        {
            Family = (byte)(address.IsIPv4 ? Interop.AF_INET : Interop.AF_INET6),
            IfIndex = ifIndex,
            Flags = Interop.NTF_USE,
        };
        request.Append(ref message).AddAttribute(Interop.NDA_DST, address);
        return _socket.Request(request, static _ => { });
    }

    private NetlinkMessageBuilder Dump(ushort type) =>
        new(type, Interop.NLM_F_REQUEST | Interop.NLM_F_DUMP, _socket.NextSequence());

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            ThrowHelper.ThrowErrno(what, -result);
        }
    }

    internal static LinkInfo? ParseLink(NetlinkMessage reply)
    {
        if (!reply.TryReadFixed<Interop.IfInfoMsg>(out var info, out var attributes))
        {
            return null;
        }

        var name = string.Empty;
        var mac = default(MacAddress);
        var mtu = 0;
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Interop.IFLA_IFNAME:
                    name = Encoding.UTF8.GetString(value.TrimEnd((byte)0));
                    break;
                case Interop.IFLA_ADDRESS when value.Length == 6:
                    mac = MacAddress.Read(value);
                    break;
                case Interop.IFLA_MTU when value.Length >= 4:
                    mtu = MemoryMarshal.Read<int>(value);
                    break;
            }
        }

        return new LinkInfo(
            info.Index, name, mac, mtu,
            IsUp: (info.Flags & Interop.IFF_UP) != 0,
            IsRunning: (info.Flags & Interop.IFF_RUNNING) != 0,
            IsLoopback: (info.Flags & Interop.IFF_LOOPBACK) != 0);
    }

    internal static AddressInfo? ParseAddress(NetlinkMessage reply)
    {
        if (!reply.TryReadFixed<Interop.IfAddrMsg>(out var info, out var attributes))
        {
            return null;
        }

        InetAddress? address = null, local = null;
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == Interop.IFA_ADDRESS)
            {
                address = ReadAddress(value);
            }
            else if (type == Interop.IFA_LOCAL)
            {
                local = ReadAddress(value);
            }
        }

        // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is always our own.
        var own = local ?? address;
        return own is { } a ? new AddressInfo(info.Index, a, info.PrefixLength) : null;
    }

    internal static RouteInfo? ParseRoute(NetlinkMessage reply)
    {
        if (!reply.TryReadFixed<Interop.RtMsg>(out var info, out var attributes))
        {
            return null;
        }

        var oif = 0;
        var gateway = InetAddress.None;
        var source = InetAddress.None;
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Interop.RTA_OIF when value.Length >= 4:
                    oif = MemoryMarshal.Read<int>(value);
                    break;
                case Interop.RTA_GATEWAY:
                    gateway = ReadAddress(value) ?? InetAddress.None;
                    break;
                case Interop.RTA_PREFSRC:
                    source = ReadAddress(value) ?? InetAddress.None;
                    break;
            }
        }

        if (info.Type is not (Interop.RTN_UNICAST or Interop.RTN_LOCAL) || oif == 0)
        {
            return null;
        }

        return new RouteInfo(oif, gateway, source, info.Type == Interop.RTN_LOCAL);
    }

    internal static NeighbourInfo? ParseNeighbour(NetlinkMessage reply)
    {
        if (!reply.TryReadFixed<Interop.NdMsg>(out var info, out var attributes))
        {
            return null;
        }

        InetAddress? address = null;
        var mac = default(MacAddress);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == Interop.NDA_DST)
            {
                address = ReadAddress(value);
            }
            else if (type == Interop.NDA_LLADDR && value.Length == 6)
            {
                mac = MacAddress.Read(value);
            }
        }

        return address is { } a ? new NeighbourInfo(info.IfIndex, a, mac, (NeighbourState)info.State) : null;
    }

    private static InetAddress? ReadAddress(ReadOnlySpan<byte> value) => value.Length switch
    {
        4 => InetAddress.FromV4(value),
        16 => InetAddress.FromV6(value),
        _ => null,
    };

    public void Dispose() => _socket.Dispose();
}
