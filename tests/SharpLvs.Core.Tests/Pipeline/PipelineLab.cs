using System.Collections.Immutable;
using System.Runtime.InteropServices;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// The test network: a client behind the director's ingress interface (2), the real servers
/// behind its egress interface (3). VIP 198.18.0.100 serves TCP 80 (rr over A and B) and
/// UDP 53 (rr over A); fd00:198:18::100 serves TCP 80 (rr over A6). The director answers ARP
/// and Neighbour Solicitations for both VIPs on the ingress interface.
/// </summary>
internal sealed class PipelineLab
{
    public const int IngressIf = 2;
    public const int EgressIf = 3;
    public const int Headroom = 64;

    public static readonly MacAddress ClientMac = Mac(0x0c);
    public static readonly MacAddress DirectorMac = Mac(0xd1);
    public static readonly MacAddress DirectorEgressMac = Mac(0xd2);
    public static readonly MacAddress MacA = Mac(0xa1);
    public static readonly MacAddress MacB = Mac(0xb1);
    public static readonly InetAddress Client = InetAddress.Parse("198.18.2.10");
    public static readonly InetAddress Client2 = InetAddress.Parse("198.18.2.11");
    public static readonly InetAddress Other = InetAddress.Parse("198.18.0.1");
    public static readonly InetAddress Client6 = InetAddress.Parse("fd00:198:18:2::10");
    public static readonly InetAddress Vip6 = InetAddress.Parse("fd00:198:18::100");

    public PipelineLab(int connectionCapacity = 1024, string scheduler = SchedulerNames.RoundRobin)
    {
        A = WithHop(Server('A'), MacA);
        B = WithHop(Server('B'), MacB);
        A6 = WithHop(new RealServer(InetAddress.Parse("fd00:198:18:1::1"), 80, ForwardingMethod.DirectRouting, 1), MacA);
        Web = MakeService(new ServiceKey(IpProtocols.Tcp, Vip, 80), scheduler, A, B);
        Dns = MakeService(new ServiceKey(IpProtocols.Udp, Vip, 53), scheduler, A);
        Web6 = MakeService(new ServiceKey(IpProtocols.Tcp, Vip6, 80), scheduler, A6);
        Holder = new ServiceTableHolder(new ServiceTable([Web, Dns, Web6], [new ArpAnswer(IngressIf, Vip, DirectorMac), new ArpAnswer(IngressIf, Vip6, DirectorMac)]));
        Connections = new ConnectionTable(connectionCapacity);
        Processor = new PacketProcessor(Holder, Connections);
    }

    public RealServer A { get; }

    public RealServer B { get; }

    public RealServer A6 { get; }

    public VirtualService Web { get; private set; }

    public VirtualService Dns { get; }

    public VirtualService Web6 { get; }

    public ServiceTableHolder Holder { get; }

    public ConnectionTable Connections { get; }

    public PacketProcessor Processor { get; }

    public DataPlaneCounters Counters => Processor.Counters;

    /// <summary>Republishes the web service with <paramref name="servers"/> (the control plane's job), keeping stats and scheduler position.</summary>
    public void SetWebServers(params RealServer[] servers)
    {
        Web = MakeService(Web.Key, Web.SchedulerName, Web.Scheduler, Web.Stats, servers);
        Holder.Publish(new ServiceTable([Web, Dns, Web6], Holder.Current.ArpAnswers));
    }

    public static RealServer WithHop(RealServer server, MacAddress mac)
    {
        server.NextHop = new NextHop(EgressIf, DirectorEgressMac, mac, 1500);
        return server;
    }

    public static byte[] Syn(ushort clientPort, MacAddress? dst = null, MacAddress? src = null, ushort vlan = 0) =>
        FrameBuilder.Tcp(dst ?? DirectorMac, src ?? ClientMac, Client, clientPort, Vip, 80, TcpFlags.Syn, seq: 1000, vlan: vlan);

    public static byte[] Data(ushort clientPort, MacAddress? dst = null, MacAddress? src = null, InetAddress? client = null) =>
        FrameBuilder.Tcp(dst ?? DirectorMac, src ?? ClientMac, client ?? Client, clientPort, Vip, 80, TcpFlags.Ack | TcpFlags.Psh,
            "GET / HTTP/1.0\r\n\r\n"u8, seq: 1001, ack: 5001);

    public static byte[] Tcp(InetAddress client, ushort clientPort, TcpFlags flags, MacAddress? dst = null, MacAddress? src = null) =>
        FrameBuilder.Tcp(dst ?? DirectorMac, src ?? ClientMac, client, clientPort, Vip, 80, flags, seq: 1000);

    /// <summary>Processes one frame and returns the descriptor and the bytes after processing.</summary>
    public (PacketDescriptor Packet, byte[] Output) Run(byte[] frame, long nowMs = 1_000_000, Action<PacketDescriptor[]>? adjust = null)
    {
        using var buffer = new PinnedFrame(frame);
        var items = new[] { buffer.Descriptor(IngressIf) };
        adjust?.Invoke(items);
        Processor.Process(ref items[0], nowMs);
        return (items[0], buffer.Frame.ToArray());
    }

    private static VirtualService MakeService(ServiceKey key, string scheduler, params RealServer[] servers) =>
        MakeService(key, scheduler, null, null, servers);

    private static VirtualService MakeService(ServiceKey key, string scheduler, IScheduler? previous, IpvsStats? stats, RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        return new VirtualService(key, scheduler, SchedulerRegistry.Default.Create(scheduler, list, previous), list, stats: stats);
    }

    private static MacAddress Mac(byte last) => new(0x02_00_00_00_00_00UL | last);
}

/// <summary>A frame copied into pinned memory with headroom, as a packet port would hand it over.</summary>
internal sealed class PinnedFrame : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;

    public PinnedFrame(ReadOnlySpan<byte> frame, int capacity = 2048)
    {
        _buffer = GC.AllocateArray<byte>(Math.Max(capacity, frame.Length + PipelineLab.Headroom), pinned: true);
        _length = frame.Length;
        Load(frame);
    }

    public Span<byte> Frame => _buffer.AsSpan(PipelineLab.Headroom, _length);

    public void Load(ReadOnlySpan<byte> frame) => frame.CopyTo(_buffer.AsSpan(PipelineLab.Headroom));

    public PacketDescriptor Descriptor(int ingressIf, PacketClass packetClass = PacketClass.Host) => new()
    {
        Buffer = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0),
        Capacity = _buffer.Length,
        Offset = PipelineLab.Headroom,
        Length = _length,
        IngressIfIndex = ingressIf,
        Class = packetClass,
    };

    public void Dispose()
    {
        // Pinned-heap arrays need no unpinning; the type exists to scope the buffer's use.
    }
}
