using System.Collections.Immutable;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>What the workers' steering program is told of the services (docs/workers.md).</summary>
public class SteeringPlanTests
{
    private static readonly InetAddress Vip1 = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Vip2 = InetAddress.Parse("198.18.0.251");
    private static readonly InetAddress Vip3 = InetAddress.Parse("198.18.0.252");
    private static readonly InetAddress Rip1 = InetAddress.Parse("198.18.1.21");
    private static readonly InetAddress Rip2 = InetAddress.Parse("198.18.1.22");
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");

    [Fact]
    public void For_NatServerSharedWithAPersistentService_OneMaskForTheWholeGroup()
    {
        // Vip1 (not persistent) and Vip2 (-M /24) share the NAT server Rip1: a reply from Rip1
        // cannot tell which VIP it answers, so both VIPs and Rip1 hash the client's /24. Vip3
        // (DR to Rip2, -M /16 on its own) keeps its own mask; Rip2 is no NAT server.
        var plan = SteeringPlan.For(new ServiceTable(
        [
            Service(Vip1, 80, ForwardingMethod.Masquerade, Rip1),
            Service(Vip2, 80, ForwardingMethod.Masquerade, Rip1, netmask: 0xFFFFFF00),
            Service(Vip3, 80, ForwardingMethod.DirectRouting, Rip2, netmask: 0xFFFF0000),
            Service(Vip3, 81, ForwardingMethod.FullNat, Rip2, local: new LocalAddressPool(Lip)),
        ]));

        Assert.Equal(
            [new(Vip1, 0xFFFFFF00), new(Vip2, 0xFFFFFF00), new(Vip3, 0xFFFF0000)],
            plan.VirtualAddresses.OrderBy(a => a.Address.V4));
        Assert.Equal([new SteeredAddress(Rip1, 0xFFFFFF00)], plan.NatServers);
        Assert.Equal([Lip], plan.LocalAddresses);
    }

    [Fact]
    public void WorkerFor_ClientsOfOneMaskedNetwork_OneWorker()
    {
        var plan = SteeringPlan.For(new ServiceTable([Service(Vip2, 80, ForwardingMethod.Masquerade, Rip1, netmask: 0xFFFFFF00)]));
        var workers = Enumerable.Range(0, 256).Select(i => plan.WorkerFor(InetAddress.FromV4(0xC6130000u + (uint)i), Vip2, 4)).Distinct();

        Assert.Single(workers);
    }

    [Fact]
    public void For_NoPersistence_NothingMasked()
    {
        var plan = SteeringPlan.For(new ServiceTable([Service(Vip1, 80, ForwardingMethod.Masquerade, Rip1)]));

        Assert.All(plan.VirtualAddresses.Concat(plan.NatServers), a => Assert.False(a.IsMasked));
    }

    [Fact]
    public void For_FirewallMarkNatService_ItsRealServersRepliesRecognisedNoVip()
    {
        var servers = ImmutableArray.Create(new RealServer(Rip2, 8080, ForwardingMethod.Masquerade, 1));
        var fwmark = new VirtualService(
            new ServiceKey(0, InetAddress.FromV4(0), 0, FirewallMark: 7),
            SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null),
            servers);

        var plan = SteeringPlan.For(new ServiceTable([fwmark]));

        Assert.Empty(plan.VirtualAddresses);
        Assert.Equal([new SteeredAddress(Rip2)], plan.NatServers);
    }

    private static VirtualService Service(InetAddress vip, ushort port, ForwardingMethod method, InetAddress rip, uint? netmask = null, LocalAddressPool? local = null)
    {
        var servers = ImmutableArray.Create(new RealServer(rip, 8080, method, 1));
        return new VirtualService(
            new ServiceKey(IpProtocols.Tcp, vip, port),
            SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null),
            servers,
            netmask is null ? ServiceFlags.None : ServiceFlags.Persistent,
            persistenceTimeoutSeconds: netmask is null ? 0 : 300,
            persistenceNetmaskBits: netmask is null ? 0 : 32 - System.Numerics.BitOperations.TrailingZeroCount(netmask.Value),
            persistenceNetmaskV4: netmask)
        {
            LocalAddresses = local is null ? [] : [local],
        };
    }
}
