using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Handling;

public class RuleSetHandlerTests
{
    private static ControlRequest Request(string line) =>
        ControlRequest.Of(new CommandLineParser(new FakeNameService()).Parse(line.Split(' ')).Command!);

    private sealed class FixedCounters : IListingCounters
    {
        public ListingStats GetServiceStats(ServiceKey service) => new(Connections: 9);

        public DestinationCounts GetDestination(ServiceKey service, InetAddress address, ushort port) => new(4, 2, 1, ListingStats.Zero);
    }

    [Fact]
    public void Handle_Change_RaisesRulesChangedWithNewView()
    {
        var handler = new RuleSetHandler(["rr"]);
        RulesChangedEventArgs? seen = null;
        handler.RulesChanged += (_, e) => seen = e;

        handler.Handle(Request("-A -t 198.18.0.10:80 -s rr"));

        Assert.NotNull(seen);
        Assert.Single(seen.Rules.Services);
        Assert.Same(seen.Rules, handler.Current);
        Assert.Equal(AdminCommandKind.AddService, seen.Commands[0].Kind);
    }

    [Fact]
    public void Handle_Refused_NoEvent()
    {
        var handler = new RuleSetHandler(["rr"]);
        var raised = false;
        handler.RulesChanged += (_, _) => raised = true;

        var response = handler.Handle(Request("-A -t 198.18.0.10:80 -s lblc"));

        Assert.False(raised);
        Assert.Equal("Scheduler or persistence engine not found", response.Error);
        Assert.Equal(255, response.ExitCode);
    }

    [Fact]
    public void Handle_List_FillsCountsFromCallback()
    {
        var handler = new RuleSetHandler(["rr"], new FixedCounters());
        handler.Handle(Request("-A -t 198.18.0.10:80 -s rr"));
        handler.Handle(Request("-a -t 198.18.0.10:80 -r 198.18.1.1"));

        var listing = handler.Handle(Request("-L -n")).Listing!;

        Assert.Equal(9UL, listing.Services[0].Stats.Connections);
        var destination = listing.Services[0].Destinations[0];
        Assert.Equal((4u, 2u, 1u), (destination.ActiveConnections, destination.InactiveConnections, destination.PersistentConnections));
    }

    [Fact]
    public void Handle_ListMissingService_ExitOneNoSuchService()
    {
        var response = new RuleSetHandler(["rr"]).Handle(Request("-L -n -t 198.18.0.10:80"));

        Assert.Equal((1, "No such service"), (response.ExitCode, response.Error));
    }

    [Fact]
    public void Handle_SetAndListTimeouts()
    {
        var handler = new RuleSetHandler(["rr"]);

        handler.Handle(Request("--set 100 0 50"));

        Assert.Equal(new ConnectionTimeouts(100, 120, 50), handler.Handle(Request("-L --timeout")).Timeouts);
    }

    [Fact]
    public void Handle_ZeroMissingService_NoSuchService()
    {
        Assert.Equal("No such service", new RuleSetHandler(["rr"]).Handle(Request("-Z -t 198.18.0.10:80")).Error);
    }

    [Fact]
    public void Handle_ZeroAll_RaisesZeroCounters()
    {
        var handler = new RuleSetHandler(["rr"]);
        ZeroCountersEventArgs? seen = null;
        handler.ZeroCounters += (_, e) => seen = e;

        Assert.Equal(0, handler.Handle(Request("-Z")).ExitCode);
        Assert.NotNull(seen);
        Assert.Null(seen.Service);
    }

    [Fact]
    public void Handle_StartDaemon_StoredButRefusedWithClearMessage()
    {
        var handler = new RuleSetHandler(["rr"]);

        var response = handler.Handle(Request("--start-daemon master --mcast-interface eth1 --syncid 7"));

        Assert.Equal(255, response.ExitCode);
        Assert.Equal(RuleSetHandler.SyncNotImplemented, response.Error);
        var stored = Assert.Single(handler.RequestedSyncDaemons);
        Assert.Equal(("eth1", (byte)7, false), (stored.McastInterface, stored.SyncId, stored.IsBackup));
        Assert.Empty(handler.Handle(Request("-L --daemon")).Daemons!);
    }

    [Fact]
    public void Handle_StopDaemon_ForgetsStoredAndRefuses()
    {
        var handler = new RuleSetHandler(["rr"]);
        handler.Handle(Request("--start-daemon backup"));

        var response = handler.Handle(Request("--stop-daemon backup"));

        Assert.Equal(255, response.ExitCode);
        Assert.Empty(handler.RequestedSyncDaemons);
    }

    private sealed class FixedConnections(IReadOnlyList<ConnectionView>? connections) : IConnectionSource
    {
        public IReadOnlyList<ConnectionView>? GetConnections() => connections;
    }

    [Fact]
    public void Handle_ListConnections_ReturnsSourceSnapshot()
    {
        var entry = new ConnectionView(
            "TCP", 6, InetAddress.Parse("198.18.2.1"), 40000, InetAddress.Parse("198.18.0.10"), 80,
            InetAddress.Parse("198.18.1.1"), 80, "ESTABLISHED", 899);
        var handler = new RuleSetHandler(["rr"], connections: new FixedConnections([entry]));

        var response = handler.Handle(Request("-L -n -c"));

        Assert.Equal(0, response.ExitCode);
        Assert.Equal([entry], response.Connections);
    }

    [Fact]
    public void Handle_ListConnectionsDataPlaneSilent_ExitOne()
    {
        var handler = new RuleSetHandler(["rr"], connections: new FixedConnections(null));

        Assert.Equal(1, handler.Handle(Request("-L -c")).ExitCode);
    }

    [Fact]
    public void Handle_TransactionFails_NamesFailedCommandAndAppliesNothing()
    {
        var parser = new CommandLineParser(new FakeNameService());
        var commands = new[] { "-A -t 198.18.0.10:80 -s rr", "-A -t 198.18.0.11:80 -s rr", "-A -t 198.18.0.10:80 -s rr" }
            .Select(line => parser.Parse(line.Split(' ')).Command!)
            .ToArray();
        var handler = new RuleSetHandler(["rr"]);

        var response = handler.Handle(new ControlRequest(commands));

        Assert.Equal((255, "Service already exists", (int?)2), (response.ExitCode, response.Error, response.FailedCommand));
        Assert.Empty(handler.Current.Services);
    }

    [Fact]
    public void Handle_EmptyRequest_Refused()
    {
        Assert.NotEqual(0, new RuleSetHandler(["rr"]).Handle(new ControlRequest([])).ExitCode);
    }
}
