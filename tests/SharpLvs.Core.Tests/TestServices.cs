using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests;

/// <summary>Real servers and services for tests: server "A" is 198.18.1.1, "B" 198.18.1.2, …</summary>
internal static class TestServices
{
    public static readonly InetAddress Vip = InetAddress.Parse("198.18.0.100");

    public static RealServer Server(char name, int weight = 1, ushort port = 80) =>
        new(InetAddress.FromV4(0xC6120100u + (uint)(name - 'A' + 1)), port, ForwardingMethod.DirectRouting, weight);

    public static char NameOf(RealServer? server) =>
        server is null ? '-' : (char)('A' + (int)(server.Address.V4 - 0xC6120101u));

    public static VirtualService Service(string scheduler, params RealServer[] servers) =>
        Service(scheduler, null, servers);

    public static VirtualService Service(string scheduler, IScheduler? previous, params RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        return new VirtualService(
            new ServiceKey(IpProtocols.Tcp, Vip, 80),
            scheduler,
            SchedulerRegistry.Default.Create(scheduler, list, previous),
            list);
    }

    /// <summary>Schedules <paramref name="count"/> times and spells the picks, e.g. "AABABC".</summary>
    public static string Sequence(VirtualService service, int count)
    {
        var flow = default(SharpLvs.Core.Connections.FlowKey);
        var picks = new char[count];
        for (var i = 0; i < count; i++)
        {
            picks[i] = NameOf(service.Scheduler.Schedule(service, flow));
        }

        return new string(picks);
    }
}
