using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

public class SchedulerAllocationTests
{
    public static TheoryData<string> Names() => [.. SchedulerRegistry.Default.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void Schedule_WarmedUp_AllocatesNothing(string name)
    {
        // Ten servers, some busy, one quiesced and one overloaded, so fallbacks, overload
        // checks and replication all run; flows vary client, port and destination.
        var servers = new RealServer[10];
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i] = new RealServer(InetAddress.FromV4(0xC6120101u + (uint)i), 80, ForwardingMethod.DirectRouting, 1 + (i % 3));
            for (var c = 0; c < i; c++)
            {
                servers[i].Bind(inactive: c % 2 == 0, template: false);
            }
        }

        servers[3].Weight = 0;
        servers[5].UpperThreshold = servers[5].TotalConnections + 1;
        servers[5].Bind(inactive: true, template: false);
        var list = ImmutableArray.Create(servers);
        var scheduler = SchedulerRegistry.Default.Create(name, list, previous: null);
        var service = new VirtualService(
            new ServiceKey(IpProtocols.Tcp, Vip, 80), name, scheduler, list, ServiceFlags.HashFallback | ServiceFlags.HashPort);
        var flows = new FlowKey[512];
        for (var i = 0; i < flows.Length; i++)
        {
            flows[i] = new FlowKey(
                IpProtocols.Tcp, InetAddress.FromV4(0xC6140000u + (uint)(i * 37)), (ushort)(1024 + i), InetAddress.FromV4(0xC6150000u + (uint)(i % 64)), 80);
        }

        Run(service, flows, 0);

        // One-time work of the runtime (a tier-up, a lazily created lock) can land in any
        // round and was seen once in six runs for twos; an allocation per decision shows in
        // every round, so the best of three rounds still catches it.
        var allocated = long.MaxValue;
        for (var round = 1; round <= 3 && allocated != 0; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Run(service, flows, round);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
    }

    private static void Run(VirtualService service, FlowKey[] flows, long round)
    {
        var periodic = service.Scheduler as IPeriodicScheduler;
        for (var i = 0; i < flows.Length; i++)
        {
            if (i % 64 == 0)
            {
                periodic?.Tick((round * 120_000) + (i * 1000L));
            }

            service.Scheduler.Schedule(service, flows[i]);
        }
    }
}
