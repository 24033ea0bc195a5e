using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Rules;

/// <summary>Real servers: -a, -e, -d with ipvsadm's errors, in the kernel's order of checks.</summary>
public partial class RuleSetTests
{
    [Fact]
    public void AddDestination_MissingService_ServiceNotDefined()
    {
        Assert.Equal(RuleError.ServiceNotDefined, NewRuleSet().AddDestination(Vip, Rs("198.18.1.1")));
    }

    [Fact]
    public void AddDestination_Twice_DestinationExists()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));

        Assert.Equal(RuleError.DestinationExists, rules.AddDestination(Vip, Rs("198.18.1.1", weight: 5)));
        Assert.Equal(1, rules.View().Services[0].Destinations[0].Weight);
    }

    [Fact]
    public void AddDestination_NewestFirst_AsKernelList()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));
        rules.AddDestination(Vip, Rs("198.18.1.2"));

        Assert.Equal(
            [InetAddress.Parse("198.18.1.2"), InetAddress.Parse("198.18.1.1")],
            rules.View().Services[0].Destinations.Select(d => d.Address));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.1.1.1")]
    public void AddDestination_NotUnicast_InvalidOperation(string address)
    {
        var rules = WithService();

        Assert.Equal(RuleError.InvalidOperation, rules.AddDestination(Vip, Rs(address)));
        Assert.Empty(rules.View().Services[0].Destinations);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("ff02::1")]
    [InlineData("fe80::1")]
    public void AddDestination_IPv6NotUnicast_InvalidOperation(string address)
    {
        var rules = NewRuleSet();
        rules.AddService(new ServiceRule(Vip6, "rr", Netmask: 128));

        Assert.Equal(RuleError.InvalidOperation, rules.AddDestination(Vip6, Rs(address)));
    }

    [Fact]
    public void AddDestination_OtherFamilyNotTunnel_InvalidOperation()
    {
        var rules = WithService();

        Assert.Equal(RuleError.InvalidOperation, rules.AddDestination(Vip, Rs("fd00::1", method: ForwardingMethod.Masquerade)));
        Assert.Equal(RuleError.None, rules.AddDestination(Vip, Rs("fd00::1", method: ForwardingMethod.Tunnel)));
    }

    [Fact]
    public void AddDestination_NegativeWeight_OutOfRange()
    {
        Assert.Equal(RuleError.OutOfRange, WithService().AddDestination(Vip, Rs("198.18.1.1", weight: -1)));
    }

    [Fact]
    public void AddDestination_LowerAboveUpper_OutOfRange()
    {
        var rule = Rs("198.18.1.1") with { LowerThreshold = 5, UpperThreshold = 0 };

        Assert.Equal(RuleError.OutOfRange, WithService().AddDestination(Vip, rule));
    }

    [Fact]
    public void AddDestination_GueWithoutPort_InvalidOperation()
    {
        var rule = Rs("198.18.1.1", method: ForwardingMethod.Tunnel) with { TunnelType = TunnelType.Gue };

        Assert.Equal(RuleError.InvalidOperation, WithService().AddDestination(Vip, rule));
    }

    [Fact]
    public void AddDestination_LocalAddress_BecomesLocal()
    {
        var rules = NewRuleSet(a => a == InetAddress.Parse("198.18.0.1"));
        rules.AddService(new ServiceRule(Vip, "rr"));

        rules.AddDestination(Vip, Rs("198.18.0.1"));

        Assert.Equal(ForwardingMethod.Local, rules.View().Services[0].Destinations[0].Forwarding);
    }

    [Fact]
    public void EditDestination_MissingService_ServiceNotDefined()
    {
        Assert.Equal(RuleError.ServiceNotDefined, NewRuleSet().EditDestination(Vip, Rs("198.18.1.1")));
    }

    [Fact]
    public void EditDestination_Missing_NoSuchDestination()
    {
        Assert.Equal(RuleError.NoSuchDestination, WithService().EditDestination(Vip, Rs("198.18.1.1")));
    }

    [Fact]
    public void EditDestination_ChangesWeightInPlace()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));
        rules.AddDestination(Vip, Rs("198.18.1.2"));

        Assert.Equal(RuleError.None, rules.EditDestination(Vip, Rs("198.18.1.1", weight: 7)));

        var destinations = rules.View().Services[0].Destinations;
        Assert.Equal(7, destinations[1].Weight);
        Assert.Equal(InetAddress.Parse("198.18.1.1"), destinations[1].Address);
    }

    [Fact]
    public void EditDestination_NegativeWeight_OutOfRangeNothingChanged()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));

        Assert.Equal(RuleError.OutOfRange, rules.EditDestination(Vip, Rs("198.18.1.1", weight: -3)));
        Assert.Equal(1, rules.View().Services[0].Destinations[0].Weight);
    }

    [Fact]
    public void DeleteDestination_MissingService_ServiceNotDefined()
    {
        Assert.Equal(RuleError.ServiceNotDefined, NewRuleSet().DeleteDestination(Vip, InetAddress.Parse("198.18.1.1"), 80));
    }

    [Fact]
    public void DeleteDestination_Missing_NoSuchDestination()
    {
        Assert.Equal(RuleError.NoSuchDestination, WithService().DeleteDestination(Vip, InetAddress.Parse("198.18.1.1"), 80));
    }

    [Fact]
    public void DeleteDestination_WrongPort_NoSuchDestination()
    {
        var rules = WithService();
        rules.AddDestination(Vip, Rs("198.18.1.1"));

        Assert.Equal(RuleError.NoSuchDestination, rules.DeleteDestination(Vip, InetAddress.Parse("198.18.1.1"), 8080));
        Assert.Equal(RuleError.None, rules.DeleteDestination(Vip, InetAddress.Parse("198.18.1.1"), 80));
        Assert.Empty(rules.View().Services[0].Destinations);
    }
}
