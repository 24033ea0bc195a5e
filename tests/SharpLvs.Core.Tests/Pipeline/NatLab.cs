using System.Buffers.Binary;
using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Seed 002's NAT network in miniature: the client (behind a router on interface 2) and two
/// real servers on a private LAN (interface 3). VIP 198.18.0.250 serves TCP 80 → RIP:8080
/// (NAT, rr over R1 and R2), UDP 53 → R1:5353 (NAT), TCP 81 → R1:8081 (FULLNAT through LIP
/// 198.18.1.250, ports 5000-5001 only); fd00:198:18::250 TCP 80 → [fd00:198:18:2::21]:8080.
/// The client's next hop is known unless a test says otherwise.
/// </summary>
internal sealed class NatLab
{
    public const int ClientIf = 2;
    public const int ServerIf = 3;

    public static readonly MacAddress RouterMac = Mac(0xfe);
    public static readonly MacAddress DirectorMac = Mac(0xd1);
    public static readonly MacAddress DirectorLanMac = Mac(0xd2);
    public static readonly MacAddress Mac1 = Mac(0x21);
    public static readonly MacAddress Mac2 = Mac(0x22);
    public static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    public static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    public static readonly InetAddress Rip1 = InetAddress.Parse("198.18.1.21");
    public static readonly InetAddress Rip2 = InetAddress.Parse("198.18.1.22");
    public static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");
    public static readonly InetAddress Client6 = InetAddress.Parse("fd00:198:18:1::100");
    public static readonly InetAddress Vip6 = InetAddress.Parse("fd00:198:18::250");
    public static readonly InetAddress Rip6 = InetAddress.Parse("fd00:198:18:2::21");

    public NatLab(bool clientHopKnown = true, int workerIndex = 0, int workerCount = 1)
    {
        R1 = Server(Rip1, 8080, Mac1, ForwardingMethod.Masquerade);
        R2 = Server(Rip2, 8080, Mac2, ForwardingMethod.Masquerade);
        var dns = Server(Rip1, 5353, Mac1, ForwardingMethod.Masquerade);
        var full = Server(Rip1, 8081, Mac1, ForwardingMethod.FullNat);
        var r6 = Server(Rip6, 8080, Mac1, ForwardingMethod.Masquerade);
        Pool = new LocalAddressPool(Lip, 5000, 5001);
        var services = new[]
        {
            Make(new ServiceKey(IpProtocols.Tcp, Vip, 80), [], R1, R2),
            Make(new ServiceKey(IpProtocols.Udp, Vip, 53), [], dns),
            Make(new ServiceKey(IpProtocols.Tcp, Vip, 81), [Pool], full),
            Make(new ServiceKey(IpProtocols.Tcp, Vip6, 80), [], r6),
        };
        Holder = new ServiceTableHolder(new ServiceTable(services));
        Connections = new ConnectionTable(1024);
        NextHops = new NextHopCache();
        if (clientHopKnown)
        {
            KnowClients();
        }

        Processor = new PacketProcessor(Holder, Connections, nextHops: NextHops, workerIndex: workerIndex, workerCount: workerCount);
    }

    public RealServer R1 { get; }

    public RealServer R2 { get; }

    public LocalAddressPool Pool { get; }

    public ServiceTableHolder Holder { get; }

    public ConnectionTable Connections { get; }

    public NextHopCache NextHops { get; }

    public PacketProcessor Processor { get; }

    public DataPlaneCounters Counters => Processor.Counters;

    public void KnowClients()
    {
        var hop = new NextHop(ClientIf, DirectorMac, RouterMac, 1500);
        NextHops.Publish(new Dictionary<InetAddress, NextHop> { [Client] = hop, [Client6] = hop });
    }

    /// <summary>Processes one frame arriving on <paramref name="ingress"/>; returns the descriptor and the bytes after.</summary>
    public (PacketDescriptor Packet, byte[] Output) Run(byte[] frame, int ingress, Action<PacketDescriptor[]>? adjust = null, long nowMs = 1_000_000)
    {
        using var buffer = new PinnedFrame(frame);
        var items = new[] { buffer.Descriptor(ingress) };
        adjust?.Invoke(items);
        Processor.Process(ref items[0], nowMs);
        return (items[0], buffer.Frame.ToArray());
    }

    /// <summary>A client → VIP TCP segment as it reaches the director (from the router).</summary>
    public static byte[] In(ushort clientPort, TcpFlags flags, ushort vport = 80, ReadOnlySpan<byte> payload = default, byte ttl = 64) =>
        FrameBuilder.Tcp(DirectorMac, RouterMac, Client, clientPort, Vip, vport, flags, payload, seq: 1000, ack: flags.HasFlag(TcpFlags.Ack) ? 5001u : 0, ttl: ttl);

    /// <summary>A real server → client segment as it reaches the director (its gateway).</summary>
    public static byte[] Reply(MacAddress serverMac, InetAddress rip, ushort rport, InetAddress to, ushort toPort, TcpFlags flags, ReadOnlySpan<byte> payload = default, byte ttl = 64) =>
        FrameBuilder.Tcp(DirectorLanMac, serverMac, rip, rport, to, toPort, flags, payload, seq: 5000, ack: 1001, ttl: ttl);

    /// <summary>The reply as the client must get it: from VIP:vport, TTL lowered by the director's hop.</summary>
    public static byte[] ToClient(ushort vport, ushort clientPort, TcpFlags flags, ReadOnlySpan<byte> payload = default, byte ttl = 63) =>
        FrameBuilder.Tcp(RouterMac, DirectorMac, Vip, vport, Client, clientPort, flags, payload, seq: 5000, ack: 1001, ttl: ttl);

    /// <summary>
    /// The frame as Linux hands over a CHECKSUM_PARTIAL packet (TESTBED fact 1): the TCP
    /// checksum field holds the folded pseudo-header sum, uncomplemented.
    /// </summary>
    public static byte[] Partial(byte[] frame, int ip = 14)
    {
        var copy = (byte[])frame.Clone();
        var isV6 = (copy[ip] >> 4) == 6;
        var headerLength = isV6 ? 40 : (copy[ip] & 0x0F) * 4;
        var transport = ip + headerLength;
        var src = isV6 ? InetAddress.FromV6(copy.AsSpan(ip + 8)) : InetAddress.FromV4(copy.AsSpan(ip + 12));
        var dst = isV6 ? InetAddress.FromV6(copy.AsSpan(ip + 24)) : InetAddress.FromV4(copy.AsSpan(ip + 16));
        var protocol = isV6 ? copy[ip + 6] : copy[ip + 9];
        var sum = Checksum.PseudoHeaderSum(src, dst, protocol, copy.Length - transport);
        var offset = protocol == IpProtocols.Tcp ? 16 : 6;
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(transport + offset), Checksum.Fold(sum));
        return copy;
    }

    private static RealServer Server(InetAddress address, ushort port, MacAddress mac, ForwardingMethod method) =>
        new(address, port, method, 1) { NextHop = new NextHop(ServerIf, DirectorLanMac, mac, 1500) };

    private static VirtualService Make(ServiceKey key, ImmutableArray<LocalAddressPool> localAddresses, params RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        return new VirtualService(key, SchedulerNames.RoundRobin, SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, list, null), list)
        {
            LocalAddresses = localAddresses,
        };
    }

    private static MacAddress Mac(byte last) => new(0x02_00_00_00_00_00UL | last);
}
