using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Rules;

public partial class RuleSetTests
{
    private static readonly ServiceKey Vip = new(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80);
    private static readonly ServiceKey Vip6 = new(IpProtocolNumbers.Tcp, InetAddress.Parse("fd00:198:18::10"), 80);

    private static RuleSet NewRuleSet(Func<InetAddress, bool>? isLocal = null) => new(["rr", "wrr", "wlc"], isLocalAddress: isLocal);

    private static DestinationRule Rs(string address, ushort port = 80, ForwardingMethod method = ForwardingMethod.DirectRouting, int weight = 1) =>
        new(InetAddress.Parse(address), port, method, weight);

    private static RuleSet WithService()
    {
        var rules = NewRuleSet();
        Assert.Equal(RuleError.None, rules.AddService(new ServiceRule(Vip, "rr")));
        return rules;
    }

    [Fact]
    public void AddService_New_IsListed()
    {
        var rules = WithService();

        var view = rules.View();
        Assert.Single(view.Services);
        Assert.Equal("rr", view.Services[0].Service.Scheduler);
        Assert.Equal(1, view.Generation);
    }

    [Fact]
    public void AddService_Twice_ServiceExists()
    {
        var rules = WithService();

        Assert.Equal(RuleError.ServiceExists, rules.AddService(new ServiceRule(Vip, "wrr")));
        Assert.Equal("rr", rules.View().Services[0].Service.Scheduler);
    }

    [Fact]
    public void AddService_UnknownScheduler_NotFoundAndNothingAdded()
    {
        var rules = NewRuleSet();

        Assert.Equal(RuleError.SchedulerNotFound, rules.AddService(new ServiceRule(Vip, "lblc")));
        Assert.Empty(rules.View().Services);
        Assert.Equal(0, rules.Generation);
    }

    [Fact]
    public void AddService_UnknownPersistenceEngine_NotFound()
    {
        Assert.Equal(
            RuleError.SchedulerNotFound,
            NewRuleSet().AddService(new ServiceRule(Vip, "rr", ServiceRuleFlags.Persistent, 300, PersistenceEngine: "sip")));
    }

    [Fact]
    public void AddService_ExistingAndUnknownScheduler_ExistsWins()
    {
        // The kernel tests existence before it looks the scheduler up.
        Assert.Equal(RuleError.ServiceExists, WithService().AddService(new ServiceRule(Vip, "nope")));
    }

    [Fact]
    public void AddService_NoneScheduler_Accepted()
    {
        Assert.Equal(RuleError.None, NewRuleSet().AddService(new ServiceRule(Vip, RuleSet.NoScheduler)));
    }

    [Fact]
    public void AddService_IPv6BadPrefix_InvalidOperation()
    {
        Assert.Equal(RuleError.InvalidOperation, NewRuleSet().AddService(new ServiceRule(Vip6, "rr", Netmask: 0)));
        Assert.Equal(RuleError.None, NewRuleSet().AddService(new ServiceRule(Vip6, "rr", Netmask: 64)));
    }

    [Fact]
    public void For_IPv6Key_UsesPrefix128()
    {
        Assert.Equal(RuleError.None, NewRuleSet().AddService(ServiceRule.For(Vip6, "rr")));
        Assert.Equal(ServiceRule.HostMaskV4, ServiceRule.For(Vip, "rr").Netmask);
    }

    [Fact]
    public void AddService_BadProtocol_InvalidOperation()
    {
        var key = new ServiceKey(1, InetAddress.Parse("198.18.0.10"), 80);
        Assert.Equal(RuleError.InvalidOperation, NewRuleSet().AddService(new ServiceRule(key, "rr")));
    }

    [Fact]
    public void EditService_Missing_NoSuchService()
    {
        Assert.Equal(RuleError.NoSuchService, NewRuleSet().EditService(new ServiceRule(Vip, "rr")));
    }

    [Fact]
    public void EditService_ChangesSchedulerKeepsDestinations()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));

        Assert.Equal(RuleError.None, rules.EditService(new ServiceRule(Vip, "wrr")));

        var entry = rules.View().Services[0];
        Assert.Equal("wrr", entry.Service.Scheduler);
        Assert.Single(entry.Destinations);
    }

    [Fact]
    public void EditService_UnknownScheduler_NothingChanged()
    {
        var rules = WithService();

        Assert.Equal(RuleError.SchedulerNotFound, rules.EditService(new ServiceRule(Vip, "zz")));
        Assert.Equal("rr", rules.View().Services[0].Service.Scheduler);
    }

    [Fact]
    public void DeleteService_Missing_NoSuchService()
    {
        Assert.Equal(RuleError.NoSuchService, NewRuleSet().DeleteService(Vip));
    }

    [Fact]
    public void DeleteService_Existing_Removed()
    {
        var rules = WithService();

        Assert.Equal(RuleError.None, rules.DeleteService(Vip));
        Assert.Empty(rules.View().Services);
    }

    [Fact]
    public void Clear_RemovesAll()
    {
        var rules = WithService();
        rules.AddService(new ServiceRule(Vip6, "rr"));

        rules.Clear();

        Assert.Empty(rules.View().Services);
    }

    [Fact]
    public void Services_KeepInsertionOrder()
    {
        var rules = NewRuleSet();
        var b = Vip with { Port = 443 };
        rules.AddService(new ServiceRule(b, "rr"));
        rules.AddService(new ServiceRule(Vip, "rr"));

        Assert.Equal([b, Vip], rules.View().Services.Select(s => s.Service.Key));
    }

    [Fact]
    public void SetTimeouts_ZeroKeepsValue()
    {
        var rules = NewRuleSet();

        rules.SetTimeouts(new ConnectionTimeouts(100, 0, 0));

        Assert.Equal(new ConnectionTimeouts(100, 120, 300), rules.Timeouts);
    }

    [Fact]
    public void Clone_ChangesDoNotLeakBack()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));

        var copy = rules.Clone();
        copy.AddDestination(Vip, Rs("198.18.1.2"));
        copy.DeleteService(Vip);

        Assert.Single(rules.View().Services[0].Destinations);
        Assert.Empty(copy.View().Services);
    }

    [Fact]
    public void View_IsSnapshot()
    {
        var rules = WithService();
        var before = rules.View();

        rules.AddDestination(Vip, Rs("198.18.1.1"));

        Assert.Empty(before.Services[0].Destinations);
    }

    [Theory]
    [InlineData(RuleError.ServiceExists, "Service already exists")]
    [InlineData(RuleError.SchedulerNotFound, "Scheduler or persistence engine not found")]
    [InlineData(RuleError.NoSuchService, "No such service")]
    [InlineData(RuleError.ServiceNotDefined, "Service not defined")]
    [InlineData(RuleError.DestinationExists, "Destination already exists")]
    [InlineData(RuleError.NoSuchDestination, "No such destination")]
    [InlineData(RuleError.InvalidOperation, "Invalid operation.  Possibly wrong module version, address not unicast, ...")]
    [InlineData(RuleError.DaemonAlreadyRunning, "Daemon has already run")]
    [InlineData(RuleError.NoDaemonRunning, "No daemon is running")]
    [InlineData(RuleError.PermissionDenied, "Permission denied (you must be root)")]
    public void Message_IsIpvsadmText(RuleError error, string message)
    {
        Assert.Equal(message, RuleErrors.Message(error));
    }

    [Fact]
    public void AddMark_HostBitsCleared_SameSelectionRefusedWhateverTheMark()
    {
        var rules = new RuleSet(["rr"]);

        Assert.Equal(RuleError.None, rules.AddMark(new FirewallMarkRule(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.77"), 24, 80, 80, 1)));
        Assert.Equal(RuleError.MarkExists, rules.AddMark(new FirewallMarkRule(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.1"), 24, 80, 80, 2)));
        Assert.Equal(RuleError.None, rules.AddMark(new FirewallMarkRule(IpProtocolNumbers.Udp, InetAddress.Parse("198.18.0.1"), 24, 80, 80, 2)));

        Assert.Equal(InetAddress.Parse("198.18.0.0"), rules.View().Marks[0].Network);
        Assert.Equal(RuleError.InvalidOperation, rules.AddMark(new FirewallMarkRule(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.1"), 40, 80, 80, 3)));
        Assert.Equal(RuleError.InvalidOperation, rules.AddMark(new FirewallMarkRule(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.1"), 32, 80, 80, 0)));
    }

    [Fact]
    public void SetTunable_UnknownName_Refused()
    {
        var rules = new RuleSet(["rr"]);

        Assert.Equal(RuleError.NoSuchTunable, rules.SetTunable("am_droprate", 1));
        Assert.Equal(RuleError.None, rules.SetTunable("conn_reuse_mode", 3));
        Assert.Equal(3, rules.View().Tunables.ConnReuseMode);
        Assert.Equal(3, rules.Clone().Tunables.ConnReuseMode);
    }

    [Fact]
    public void View_AfterOneChange_SharesTheOtherServicesEntries()
    {
        var rules = new RuleSet(["rr"]);
        var a = new ServiceKey(6, InetAddress.Parse("198.18.0.10"), 80);
        var b = new ServiceKey(6, InetAddress.Parse("198.18.0.11"), 80);
        Assert.Equal(RuleError.None, rules.AddService(ServiceRule.For(a, "rr")));
        Assert.Equal(RuleError.None, rules.AddService(ServiceRule.For(b, "rr")));
        var before = rules.View();

        Assert.Equal(RuleError.None, rules.AddDestination(b, new DestinationRule(InetAddress.Parse("198.18.1.1"), 80)));
        var after = rules.View();

        Assert.Same(before.Services[0], after.Services[0]);
        Assert.NotSame(before.Services[1], after.Services[1]);
        Assert.Single(after.Services[1].Destinations);
        Assert.Empty(before.Services[1].Destinations);
    }

    [Fact]
    public void Clone_ChangedCopy_LeavesTheOriginalsEntryAlone()
    {
        var rules = new RuleSet(["rr"]);
        var a = new ServiceKey(6, InetAddress.Parse("198.18.0.10"), 80);
        Assert.Equal(RuleError.None, rules.AddService(ServiceRule.For(a, "rr")));
        var before = rules.View();

        var copy = rules.Clone();
        Assert.Same(before.Services[0], copy.View().Services[0]);
        Assert.Equal(RuleError.None, copy.EditService(ServiceRule.For(a, "wrr") with { Scheduler = "rr", Timeout = 5 }));

        Assert.Same(before.Services[0], rules.View().Services[0]);
        Assert.Equal(5u, copy.View().Services[0].Service.Timeout);
    }
}
