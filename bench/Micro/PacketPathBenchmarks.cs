using BenchmarkDotNet.Attributes;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests;
using SharpLvs.Core.Tests.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Bench.Micro;

/// <summary>
/// Parse + rewrite of one packet per forwarding method, through the whole PacketProcessor
/// (Ethernet → IP → TCP → connection lookup → state → forwarder), on an established
/// connection. Each call first restores the received bytes (a 60-100 byte copy, measured
/// alone as <see cref="CopyOnly"/>), because NAT and TUN rewrite the frame in place.
/// </summary>
[MemoryDiagnoser]
public class PacketPathBenchmarks
{
    private const long Now = 1_000_000;
    private PipelineLab _dr = null!;
    private NatLab _nat = null!;
    private PacketProcessor _tunnel = null!;
    private PinnedFrame _drFrame = null!;
    private PinnedFrame _drSyn = null!;
    private PinnedFrame _natIn = null!;
    private PinnedFrame _natReply = null!;
    private PinnedFrame _tunFrame = null!;
    private byte[] _drBytes = null!;
    private byte[] _drSynBytes = null!;
    private byte[] _natInBytes = null!;
    private byte[] _natReplyBytes = null!;
    private byte[] _tunBytes = null!;
    private ushort _synPort;

    [GlobalSetup]
    public void Setup()
    {
        _dr = new PipelineLab(connectionCapacity: 1 << 16);
        _dr.Run(PipelineLab.Syn(10000), Now);
        _drBytes = PipelineLab.Data(10000);
        _drFrame = new PinnedFrame(_drBytes);
        _drSynBytes = PipelineLab.Syn(20000);
        _drSyn = new PinnedFrame(_drSynBytes);

        _nat = new NatLab();
        _nat.Run(NatLab.In(40000, TcpFlags.Syn), NatLab.ClientIf, nowMs: Now);
        _natInBytes = NatLab.In(40000, TcpFlags.Ack | TcpFlags.Psh, payload: "GET / HTTP/1.0\r\n\r\n"u8);
        _natIn = new PinnedFrame(_natInBytes);
        _natReplyBytes = NatLab.Reply(NatLab.Mac1, NatLab.Rip1, 8080, NatLab.Client, 40000, TcpFlags.Ack | TcpFlags.Psh, "HTTP/1.0 200 OK\r\n\r\n"u8);
        _natReply = new PinnedFrame(_natReplyBytes);
        if (_nat.Connections.Count != 1)
        {
            throw new InvalidOperationException("NAT setup: the SYN made no connection");
        }

        var server = new RealServer(TestServices.Server('A').Address, 80, ForwardingMethod.Tunnel, 1) { Tunnel = TunnelSettings.IpIp };
        server.NextHop = new NextHop(PipelineLab.EgressIf, PipelineLab.DirectorEgressMac, PipelineLab.MacA, 1500, InetAddress.Parse("198.18.1.254"));
        var list = System.Collections.Immutable.ImmutableArray.Create(server);
        var web = new VirtualService(new ServiceKey(IpProtocols.Tcp, TestServices.Vip, 80), Core.Scheduling.SchedulerNames.RoundRobin,
            Core.Scheduling.SchedulerRegistry.Default.Create(Core.Scheduling.SchedulerNames.RoundRobin, list, null), list);
        _tunnel = new PacketProcessor(new ServiceTableHolder(new ServiceTable([web])), new Core.Connections.ConnectionTable(1024));
        _tunBytes = PipelineLab.Data(10000);
        _tunFrame = new PinnedFrame(_tunBytes);
        var syn = new PinnedFrame(PipelineLab.Syn(10000));
        var d = syn.Descriptor(PipelineLab.IngressIf);
        _tunnel.Process(ref d, Now);
        Check(_tunnel, _tunFrame, _tunBytes, "TUN");
        Check(_dr.Processor, _drFrame, _drBytes, "DR");
        Check(_nat.Processor, _natIn, _natInBytes, "NAT in", NatLab.ClientIf);
        Check(_nat.Processor, _natReply, _natReplyBytes, "NAT reply", NatLab.ServerIf);
    }

    [Benchmark(Baseline = true, Description = "restore the frame only (the copy every case below includes)")]
    public int CopyOnly()
    {
        _drFrame.Load(_drBytes);
        return _drBytes.Length;
    }

    [Benchmark(Description = "DR: established TCP segment (parse, lookup, state, new MACs)")]
    public Verdict DirectRouting() => Run(_dr.Processor, _drFrame, _drBytes, PipelineLab.IngressIf);

    [Benchmark(Description = "DR: SYN of a new connection (schedule rr, insert) then removal")]
    public Verdict DirectRoutingNewConnection()
    {
        // A fresh client port each time, and the entry removed again so the table stays small.
        var port = (ushort)(20000 + (_synPort++ & 1023));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(_drSynBytes.AsSpan(34), port);
        var verdict = Run(_dr.Processor, _drSyn, _drSynBytes, PipelineLab.IngressIf);
        _dr.Connections.Remove(_dr.Connections.Lookup(new Core.Connections.FlowKey(
            IpProtocols.Tcp, PipelineLab.Client, port, TestServices.Vip, 80)));
        return verdict;
    }

    [Benchmark(Description = "NAT: client → VIP (DNAT, incremental checksums)")]
    public Verdict NatInbound() => Run(_nat.Processor, _natIn, _natInBytes, NatLab.ClientIf);

    [Benchmark(Description = "NAT: real server → client reply (reply lookup, SNAT back to VIP)")]
    public Verdict NatReply() => Run(_nat.Processor, _natReply, _natReplyBytes, NatLab.ServerIf);

    [Benchmark(Description = "TUN: established TCP segment, IP-in-IP encapsulation")]
    public Verdict Tunnel() => Run(_tunnel, _tunFrame, _tunBytes, PipelineLab.IngressIf);

    private static Verdict Run(PacketProcessor processor, PinnedFrame frame, byte[] original, int ingress)
    {
        frame.Load(original);
        var d = frame.Descriptor(ingress);
        processor.Process(ref d, Now);
        return d.Verdict;
    }

    private static void Check(PacketProcessor processor, PinnedFrame frame, byte[] original, string what, int ingress = PipelineLab.IngressIf)
    {
        var verdict = Run(processor, frame, original, ingress);
        if (verdict != Verdict.Transmit)
        {
            throw new InvalidOperationException($"{what}: verdict {verdict}, expected Transmit");
        }
    }
}
