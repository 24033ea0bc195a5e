using System.Collections.Immutable;
using System.Runtime.InteropServices;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Forwarding;

/// <summary>
/// TUN test network: the director reaches real servers 198.18.1.1 and fd00:198:18:1::1 from
/// 198.18.1.254 / fd00:198:18:1::fe (the routes' preferred sources) over a 1500-byte link.
/// </summary>
internal static class TunnelLab
{
    public const int PortHeadroom = 96;
    public static readonly InetAddress Source4 = InetAddress.Parse("198.18.1.254");
    public static readonly InetAddress Source6 = InetAddress.Parse("fd00:198:18:1::fe");
    public static readonly InetAddress Rip6 = InetAddress.Parse("fd00:198:18:1::1");

    public static RealServer Server4(TunnelSettings? tunnel = null, int mtu = 1500)
    {
        var server = new RealServer(Server('A').Address, 80, ForwardingMethod.Tunnel, 1) { Tunnel = tunnel ?? TunnelSettings.IpIp };
        server.NextHop = new NextHop(EgressIf, DirectorEgressMac, MacA, mtu, Source4);
        return server;
    }

    public static RealServer Server6(TunnelSettings? tunnel = null, int mtu = 1500)
    {
        var server = new RealServer(Rip6, 80, ForwardingMethod.Tunnel, 1) { Tunnel = tunnel ?? TunnelSettings.IpIp };
        server.NextHop = new NextHop(EgressIf, DirectorEgressMac, MacA, mtu, Source6);
        return server;
    }

    /// <summary>What the parser would hand the forwarder for an untagged or tagged frame.</summary>
    public static InboundPacket Parse(byte[] frame)
    {
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        var inbound = new InboundPacket { NetworkOffset = eth.HeaderLength };
        var l3 = frame.AsSpan(eth.HeaderLength);
        if (eth.EtherType == EtherTypes.Ipv6)
        {
            Assert.Equal(Ipv6ParseResult.Ok, Ipv6Header.TryParse(l3, out var ip6));
            inbound.IsIPv6 = true;
            inbound.IpLength = ip6.Bytes.Length;
            inbound.TransportOffset = eth.HeaderLength + Ipv6Header.HeaderLength;
            inbound.Flow = new FlowKey(ip6.NextHeader, ip6.Source, 40000, ip6.Destination, 80);
        }
        else
        {
            Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.TryParse(l3, out var ip));
            inbound.IpLength = ip.TotalLength;
            inbound.TransportOffset = eth.HeaderLength + ip.HeaderLength;
            inbound.Flow = new FlowKey(ip.Protocol, ip.Source, 40000, ip.Destination, 80);
        }

        return inbound;
    }

    /// <summary>One-service pipeline: TCP VIP:80 (and the IPv6 VIP) served by <paramref name="servers"/>.</summary>
    public static PacketProcessor Processor(params RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        var web = new VirtualService(new ServiceKey(IpProtocols.Tcp, Vip, 80), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, list, null), list);
        var web6 = new VirtualService(new ServiceKey(IpProtocols.Tcp, Vip6, 80), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, list, null), list);
        return new PacketProcessor(new ServiceTableHolder(new ServiceTable([web, web6])), new ConnectionTable(1024));
    }

    /// <summary>Independent RFC 1071 sum (no product code): 0xFFFF over a region with a valid checksum.</summary>
    public static ushort OnesSum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        var sum = initial;
        for (var i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) + (i + 1 < data.Length ? data[i + 1] : 0u);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }

    /// <summary>The TCP/UDP/ICMPv6 pseudo-header sum, byte by byte (RFC 793, RFC 8200 §8.1).</summary>
    public static uint PseudoSum(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, byte protocol, int length)
    {
        var bytes = new List<byte>();
        bytes.AddRange(src.ToArray());
        bytes.AddRange(dst.ToArray());
        if (src.Length == 4)
        {
            bytes.AddRange([0, protocol, (byte)(length >> 8), (byte)length]);
        }
        else
        {
            bytes.AddRange([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 0, 0, 0, protocol]);
        }

        return OnesSum(bytes.ToArray());
    }
}

/// <summary>A frame in pinned memory behind <see cref="TunnelLab.PortHeadroom"/> bytes, as AfPacketPort hands it over.</summary>
internal sealed class HeadroomFrame
{
    private readonly byte[] _buffer;

    public HeadroomFrame(ReadOnlySpan<byte> frame, int headroom = TunnelLab.PortHeadroom)
    {
        _buffer = GC.AllocateArray<byte>(headroom + frame.Length + 64, pinned: true);
        frame.CopyTo(_buffer.AsSpan(headroom));
        Packet = new PacketDescriptor
        {
            Buffer = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0),
            Capacity = _buffer.Length,
            Offset = headroom,
            Length = frame.Length,
            IngressIfIndex = IngressIf,
            Class = PacketClass.Host,
        };
    }

    public PacketDescriptor Packet;

    public byte[] Output => _buffer.AsSpan(Packet.Offset, Packet.Length).ToArray();
}
