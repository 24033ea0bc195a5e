using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Bench.Micro;

/// <summary>
/// One scheduling decision (<see cref="IScheduler.Schedule"/>) per scheduler with 10 and 1,000
/// real servers carrying a fixed, uneven load (weights 1–5, 0–40 connections each). Flows vary
/// the client (address and port) and, over 64 values, the destination, so the hashing and
/// locality schedulers see many keys and the lblc/lblcr tables mostly hit.
/// </summary>
[MemoryDiagnoser]
public class ScheduleBenchmarks
{
    private const int Flows = 4096;

    private VirtualService _service = null!;
    private FlowKey[] _flows = null!;

    public static IEnumerable<string> Names => SchedulerRegistry.Default.Names;

    [ParamsSource(nameof(Names))]
    public string Scheduler { get; set; } = "";

    [Params(10, 1000)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var servers = new RealServer[Servers];
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i] = new RealServer(InetAddress.FromV4(0xC6120000u + (uint)i + 1), 80, ForwardingMethod.DirectRouting, 1 + random.Next(5));
            for (var c = random.Next(41); c > 0; c--)
            {
                servers[i].Bind(inactive: c % 3 == 0, template: false);
            }
        }

        var list = ImmutableArray.Create(servers);
        _service = new VirtualService(
            new ServiceKey(IpProtocols.Tcp, InetAddress.Parse("198.18.0.100"), 80),
            Scheduler,
            SchedulerRegistry.Default.Create(Scheduler, list, previous: null),
            list);
        _flows = new FlowKey[Flows];
        for (var i = 0; i < Flows; i++)
        {
            _flows[i] = new FlowKey(
                IpProtocols.Tcp,
                InetAddress.FromV4(0xC6140000u + (uint)random.Next(1 << 16)),
                (ushort)(1024 + random.Next(60000)),
                InetAddress.FromV4(0xC6150000u + (uint)(i % 64)),
                80);
        }

        // Fill the locality tables and let tiered compilation settle before measuring.
        (_service.Scheduler as IPeriodicScheduler)?.Tick(1000);
        Schedule();
    }

    [Benchmark(OperationsPerInvoke = Flows)]
    public RealServer? Schedule()
    {
        var service = _service;
        var scheduler = service.Scheduler;
        RealServer? last = null;
        foreach (ref readonly var flow in _flows.AsSpan())
        {
            last = scheduler.Schedule(service, flow);
        }

        return last;
    }
}
