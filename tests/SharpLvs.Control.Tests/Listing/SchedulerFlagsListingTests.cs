using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Listing;

// ipvsadm.c print_sched_flags: sh and mh name their first two flags, every other scheduler
// prints flag-1..flag-3; -L puts them in parentheses after the scheduler, -S after -b.
public class SchedulerFlagsListingTests
{
    private const ServiceRuleFlags Flag1 = ServiceRuleFlags.Scheduler1;
    private const ServiceRuleFlags Flag2 = ServiceRuleFlags.Scheduler2;
    private const ServiceRuleFlags Flag3 = ServiceRuleFlags.Scheduler3;

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Listing", "Golden", name));

    private static ServiceView Service(ushort port, string scheduler, ServiceRuleFlags flags, params (string Address, int Weight)[] destinations) =>
        new(
            new ServiceRule(new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), port), scheduler, flags),
            ListingStats.Zero,
            [.. destinations.Select(d => new DestinationView(
                new DestinationRule(InetAddress.Parse(d.Address), port, ForwardingMethod.DirectRouting, d.Weight), 0, 0, 0, ListingStats.Zero))]);

    private static ListingData Data() => new(
    [
        Service(1, "sh", Flag1 | Flag2, ("198.18.1.1", 2)),
        Service(2, "sh", Flag2),
        Service(3, "mh", Flag1),
        Service(4, "mh", Flag1 | Flag2, ("198.18.1.2", 3), ("198.18.1.1", 1)),
        Service(5, "wlc", Flag1 | Flag3),
        Service(6, "lblcr", ServiceRuleFlags.None),
        Service(7, "twos", Flag2),
    ]);

    [Fact]
    public void FormatAll_ListNumeric_PrintsFlagsInParentheses()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(Data(), ListFormat.Numeric);

        Assert.Equal(Golden("schedflags_ln.txt"), text);
    }

    [Fact]
    public void FormatAll_SaveNumeric_PrintsDashB()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(Data(), ListFormat.Numeric | ListFormat.Rule);

        Assert.Equal(Golden("schedflags_Sn.txt"), text);
    }
}
