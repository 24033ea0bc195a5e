using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

/// <summary>Flows, flagged services and simulated load for the scheduler tests.</summary>
internal static class SchedulingKit
{
    public static FlowKey From(string client, ushort port = 40000) =>
        new(IpProtocols.Tcp, InetAddress.Parse(client), port, Vip, 80);

    public static FlowKey To(string destination, string client = "198.18.5.1") =>
        new(IpProtocols.Tcp, InetAddress.Parse(client), 40000, InetAddress.Parse(destination), 80);

    public static VirtualService Service(string scheduler, ServiceFlags flags, params RealServer[] servers) =>
        Service(scheduler, flags, previous: null, servers);

    public static VirtualService Service(string scheduler, ServiceFlags flags, IScheduler? previous, params RealServer[] servers)
    {
        var list = ImmutableArray.Create(servers);
        return With(SchedulerRegistry.Default.Create(scheduler, list, previous), flags, servers);
    }

    /// <summary>A service around an already built scheduler (e.g. twos with a scripted random source).</summary>
    public static VirtualService With(IScheduler scheduler, ServiceFlags flags, params RealServer[] servers) =>
        new(new ServiceKey(IpProtocols.Tcp, Vip, 80), scheduler.Name, scheduler, ImmutableArray.Create(servers), flags);

    /// <summary>The service rebuilt for <paramref name="servers"/>, its scheduler handed the old one, as the compiler does.</summary>
    public static VirtualService Rebuilt(VirtualService old, params RealServer[] servers) =>
        Service(old.SchedulerName, old.Flags, old.Scheduler, servers);

    public static RealServer? Pick(VirtualService service, in FlowKey flow) => service.Scheduler.Schedule(service, flow);

    public static char PickName(VirtualService service, in FlowKey flow) => NameOf(Pick(service, flow));

    /// <summary>
    /// Schedules <paramref name="count"/> new connections, each bound to its server as an active
    /// connection (as the pipeline's ip_vs_bind_dest does), and spells the picks.
    /// </summary>
    public static string Admit(VirtualService service, int count, FlowKey flow = default)
    {
        var picks = new char[count];
        for (var i = 0; i < count; i++)
        {
            var server = Pick(service, flow);
            server?.Bind(inactive: false, template: false);
            picks[i] = NameOf(server);
        }

        return new string(picks);
    }

    public static void Connect(RealServer server, int active, int inactive = 0)
    {
        for (var i = 0; i < active; i++)
        {
            server.Bind(inactive: false, template: false);
        }

        for (var i = 0; i < inactive; i++)
        {
            server.Bind(inactive: true, template: false);
        }
    }

    /// <summary>Sets the kernel's IP_VS_DEST_F_OVERLOAD the way traffic would: an upper threshold reached.</summary>
    public static void Overload(RealServer server)
    {
        server.UpperThreshold = server.TotalConnections + 1;
        server.Bind(inactive: true, template: false);
        Assert.True(server.IsOverloaded);
    }
}
