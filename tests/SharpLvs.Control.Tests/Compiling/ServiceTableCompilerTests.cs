using SharpLvs.Control.Compiling;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Compiling;

public class ServiceTableCompilerTests
{
    private static readonly ServiceKey Vip = new(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80);
    private static readonly InetAddress Rs1 = InetAddress.Parse("198.18.1.1");
    private static readonly InetAddress Rs2 = InetAddress.Parse("198.18.1.2");

    private readonly RuleSet _rules = new(SchedulerRegistry.Default.Names);
    private ServiceTable Compile(ServiceTable previous) => ServiceTableCompiler.Compile(_rules.View(), previous);

    [Fact]
    public void Compile_Rules_BuildsServicesInKernelOrder()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        _rules.AddDestination(Vip, new DestinationRule(Rs2, 80, ForwardingMethod.DirectRouting, 3));

        var table = Compile(ServiceTable.Empty);

        var service = table.Find(Vip)!;
        Assert.Equal("rr", service.Scheduler.Name);
        Assert.Equal([Rs2, Rs1], service.RealServers.Select(r => r.Address));
        Assert.Equal(3, service.RealServers[0].Weight);
        Assert.True(table.IsVirtualAddress(Vip.Address));
    }

    [Fact]
    public void Compile_EditedDestination_KeepsObjectAndStats()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        var first = Compile(ServiceTable.Empty);

        _rules.EditDestination(Vip, new DestinationRule(Rs1, 80, ForwardingMethod.DirectRouting, 9));
        _rules.EditService(new ServiceRule(Vip, "wrr"));
        var second = Compile(first);

        Assert.Same(first.Find(Vip)!.RealServers[0], second.Find(Vip)!.RealServers[0]);
        Assert.Equal(9, second.Find(Vip)!.RealServers[0].Weight);
        Assert.Same(first.Find(Vip)!.Stats, second.Find(Vip)!.Stats);
        Assert.Equal("wrr", second.Find(Vip)!.Scheduler.Name);
    }

    [Fact]
    public void Compile_RemovedDestination_MarkedUnavailable()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        _rules.AddDestination(Vip, new DestinationRule(Rs2, 80));
        var first = Compile(ServiceTable.Empty);
        var removed = first.Find(Vip)!.RealServers.Single(r => r.Address == Rs1);

        _rules.DeleteDestination(Vip, Rs1, 80);
        var second = Compile(first);

        Assert.False(removed.Available);
        Assert.True(second.Find(Vip)!.RealServers.Single().Available);
    }

    [Fact]
    public void Compile_DeletedService_ServersUnavailableAndGone()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        var first = Compile(ServiceTable.Empty);

        _rules.DeleteService(Vip);
        var second = Compile(first);

        Assert.Null(second.Find(Vip));
        Assert.False(first.Find(Vip)!.RealServers[0].Available);
    }

    [Fact]
    public void Compile_NoneScheduler_SchedulesNothing()
    {
        _rules.AddService(new ServiceRule(Vip, RuleSet.NoScheduler));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));

        var service = Compile(ServiceTable.Empty).Find(Vip)!;

        Assert.Null(service.Scheduler.Schedule(service, default));
    }

    [Fact]
    public void Compile_Persistence_MapsFlagsAndPrefix()
    {
        _rules.AddService(new ServiceRule(Vip, "wlc", ServiceRuleFlags.Persistent, 600, 0xFFFFFF00));

        var service = Compile(ServiceTable.Empty).Find(Vip)!;

        Assert.Equal(Core.Services.ServiceFlags.Persistent, service.Flags);
        Assert.Equal(600, service.PersistenceTimeoutSeconds);
        Assert.Equal(24, service.PersistenceNetmaskBits);
    }

    [Theory]
    [InlineData("sh-fallback,sh-port", "sh", Core.Services.ServiceFlags.HashFallback | Core.Services.ServiceFlags.HashPort)]
    [InlineData("mh-port", "mh", Core.Services.ServiceFlags.HashPort)]
    [InlineData("flag-1,flag-3", "wlc", Core.Services.ServiceFlags.SchedulerFlag1 | Core.Services.ServiceFlags.SchedulerFlag3)]
    public void Compile_SchedulerFlags_CarriedToTheService(string flagsText, string scheduler, Core.Services.ServiceFlags expected)
    {
        var flags = ServiceRuleFlags.None;
        foreach (var flag in flagsText.Split(','))
        {
            flags |= flag switch
            {
                "sh-fallback" or "mh-fallback" or "flag-1" => ServiceRuleFlags.Scheduler1,
                "sh-port" or "mh-port" or "flag-2" => ServiceRuleFlags.Scheduler2,
                _ => ServiceRuleFlags.Scheduler3,
            };
        }

        _rules.AddService(new ServiceRule(Vip, scheduler, flags));

        Assert.Equal(expected, Compile(ServiceTable.Empty).Find(Vip)!.Flags);
    }

    public static TheoryData<string> KernelSchedulers() => [.. Control.Ipvsadm.SchedulerNames.Kernel];

    [Theory]
    [MemberData(nameof(KernelSchedulers))]
    public void Compile_EveryKernelScheduler_AcceptedBuiltAndSchedules(string scheduler)
    {
        Assert.Equal(RuleError.None, _rules.AddService(new ServiceRule(Vip, scheduler)));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));

        var service = Compile(ServiceTable.Empty).Find(Vip)!;

        Assert.Equal(scheduler, service.Scheduler.Name);
        Assert.Equal(Rs1, service.Scheduler.Schedule(service, default)?.Address);
    }

    [Fact]
    public void Compile_KeepsArpAnswersUnlessGiven()
    {
        var answer = new ArpAnswer(3, Vip.Address, default);
        var previous = new ServiceTable([], [answer]);

        Assert.Equal([answer], ServiceTableCompiler.Compile(_rules.View(), previous).ArpAnswers);
        Assert.Empty(ServiceTableCompiler.Compile(_rules.View(), previous, []).ArpAnswers);
    }

    [Fact]
    public void Counters_ReadLiveObjects()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        var holder = new ServiceTableHolder(Compile(ServiceTable.Empty));
        var counters = new ServiceTableCounters(holder);

        Assert.Equal(0u, counters.GetDestination(Vip, Rs1, 80).Active);
        Assert.Equal(0UL, counters.GetServiceStats(Vip).Connections);
        Assert.Same(Control.Handling.DestinationCounts.Zero, counters.GetDestination(Vip, Rs2, 80));
    }

    [Fact]
    public void Compile_PersistentService_TimeoutAndMaskAsGiven()
    {
        _rules.AddService(new ServiceRule(Vip, "rr", ServiceRuleFlags.Persistent, 3, 0xFF00FF00));

        var service = Compile(ServiceTable.Empty).Find(Vip)!;

        Assert.True(service.IsPersistent);
        Assert.Equal((3, 0xFF00FF00u), (service.PersistenceTimeoutSeconds, service.PersistenceNetmaskV4));
        Assert.Equal(InetAddress.Parse("198.0.2.0"), service.PersistenceNetwork(InetAddress.Parse("198.18.2.10")));
    }

    [Fact]
    public void Compile_MarksAndTunables_ReachTheSnapshot()
    {
        var mark = new FirewallMarkRule(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.0"), 24, 80, 443, 5);
        _rules.AddMark(mark);
        _rules.SetTunable("sloppy_tcp", 1);

        var table = Compile(ServiceTable.Empty);

        Assert.Equal(1, table.Tunables.SloppyTcp);
        Assert.Equal([mark], table.Marks.Rules);
        Assert.True(table.IsVirtualAddress(InetAddress.Parse("198.18.0.200")));
        Assert.Equal(5u, table.Marks.Classify(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.200"), 443));
    }

    private static readonly ServiceKey Other = new(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.11"), 80);

    [Fact]
    public void Compile_WithCompiledFrom_UnchangedServiceKeptWhole()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        _rules.AddService(new ServiceRule(Other, "wrr"));
        _rules.AddDestination(Other, new DestinationRule(Rs2, 80));
        var firstRules = _rules.View();
        var first = ServiceTableCompiler.Compile(firstRules, ServiceTable.Empty);

        _rules.EditDestination(Other, new DestinationRule(Rs2, 80, ForwardingMethod.DirectRouting, 5));
        var second = ServiceTableCompiler.Compile(_rules.View(), first, compiledFrom: firstRules);

        Assert.Same(first.Find(Vip), second.Find(Vip));
        Assert.NotSame(first.Find(Other), second.Find(Other));
        Assert.Equal(5, second.Find(Other)!.RealServers[0].Weight);
        Assert.Same(first.Find(Other)!.RealServers[0], second.Find(Other)!.RealServers[0]);
    }

    [Fact]
    public void Compile_WithCompiledFrom_RemovedServiceServersUnavailableOthersKept()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        _rules.AddService(new ServiceRule(Other, "rr"));
        _rules.AddDestination(Other, new DestinationRule(Rs2, 80));
        var firstRules = _rules.View();
        var first = ServiceTableCompiler.Compile(firstRules, ServiceTable.Empty);
        var gone = first.Find(Other)!.RealServers[0];

        _rules.DeleteService(Other);
        var second = ServiceTableCompiler.Compile(_rules.View(), first, compiledFrom: firstRules);

        Assert.Null(second.Find(Other));
        Assert.False(gone.Available);
        Assert.Same(first.Find(Vip), second.Find(Vip));
        Assert.True(second.Find(Vip)!.RealServers[0].Available);
    }

    [Fact]
    public void Compile_WithCompiledFrom_ServiceWithUnavailableServerRebuilt()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80));
        var firstRules = _rules.View();
        var first = ServiceTableCompiler.Compile(firstRules, ServiceTable.Empty);
        first.Find(Vip)!.RealServers[0].Available = false;

        var second = ServiceTableCompiler.Compile(_rules.View(), first, compiledFrom: firstRules);

        Assert.NotSame(first.Find(Vip), second.Find(Vip));
        Assert.True(second.Find(Vip)!.RealServers[0].Available);
    }
}
