using System.Collections.Immutable;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Tests.Scheduling;

public class SchedulerRegistryTests
{
    [Theory]
    [InlineData("rr")]
    [InlineData("wrr")]
    [InlineData("lc")]
    [InlineData("wlc")]
    [InlineData("lblc")]
    [InlineData("lblcr")]
    [InlineData("dh")]
    [InlineData("sh")]
    [InlineData("sed")]
    [InlineData("nq")]
    [InlineData("fo")]
    [InlineData("ovf")]
    [InlineData("mh")]
    [InlineData("twos")]
    public void Create_KnownName_BuildsSchedulerOfThatName(string name)
    {
        var scheduler = SchedulerRegistry.Default.Create(name, [], previous: null);

        Assert.True(SchedulerRegistry.Default.IsKnown(name));
        Assert.Equal(name, scheduler.Name);
    }

    [Fact]
    public void IsKnown_UnknownOrWrongCase_False()
    {
        Assert.False(SchedulerRegistry.Default.IsKnown("nope"));
        Assert.False(SchedulerRegistry.Default.IsKnown("RR"));
    }

    [Fact]
    public void Create_UnknownName_Throws()
    {
        Assert.Throws<KeyNotFoundException>(() => SchedulerRegistry.Default.Create("nope", [], null));
    }

    [Fact]
    public void Register_DuplicateName_IsRefused()
    {
        var registry = SchedulerRegistry.CreateDefault();

        Assert.Throws<InvalidOperationException>(() =>
            registry.Register(SchedulerNames.RoundRobin, (ImmutableArray<RealServer> s, IScheduler? p) => null!));
    }

    [Fact]
    public void Names_ListsTheKernelsFourteenSorted()
    {
        Assert.Equal(
            ["dh", "fo", "lblc", "lblcr", "lc", "mh", "nq", "ovf", "rr", "sed", "sh", "twos", "wlc", "wrr"],
            SchedulerRegistry.Default.Names);
    }
}
