using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Connections;

/// <summary>Save at a clean stop, restore at the next start: into a new table, onto services rebuilt from the rules.</summary>
public class ConnectionTableSavingTests
{
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Rip = InetAddress.Parse("198.18.1.21");
    private static readonly InetAddress Rip2 = InetAddress.Parse("198.18.1.22");
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");
    private static readonly ServiceKey Web = new(IpProtocols.Tcp, Vip, 80);
    private static readonly ServiceKey Nat = new(IpProtocols.Tcp, Vip, 8080);
    private static readonly ServiceKey Full = new(IpProtocols.Tcp, Vip, 443);

    /// <summary>What the rules build at each start: new objects every time, as ServiceTableCompiler makes them.</summary>
    private sealed class Rules
    {
        public RealServer Dr { get; } = new(Rip, 80, ForwardingMethod.DirectRouting, 1);

        public RealServer Masq { get; } = new(Rip, 8080, ForwardingMethod.Masquerade, 1);

        public RealServer Fn { get; } = new(Rip2, 443, ForwardingMethod.FullNat, 1);

        public LocalAddressPool Pool { get; } = new(Lip, 6000, 6010);

        public ServiceTable Table { get; }

        public Rules(bool withNat = true, ForwardingMethod drMethod = ForwardingMethod.DirectRouting)
        {
            if (drMethod != ForwardingMethod.DirectRouting)
            {
                Dr = new RealServer(Rip, 80, drMethod, 1);
            }

            var services = new List<VirtualService>
            {
                Service(Web, [Dr], persistent: true),
                new(Full, SchedulerNames.RoundRobin, Scheduler([Fn]), [Fn]) { LocalAddresses = [Pool] },
            };
            if (withNat)
            {
                services.Add(Service(Nat, [Masq]));
            }

            Table = new ServiceTable(services);
        }

        private static IScheduler Scheduler(ImmutableArray<RealServer> servers) => SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null);

        private static VirtualService Service(ServiceKey key, ImmutableArray<RealServer> servers, bool persistent = false) =>
            new(key, SchedulerNames.RoundRobin, Scheduler(servers), servers, persistent ? ServiceFlags.Persistent : ServiceFlags.None, persistent ? 300 : 0, persistent ? 32 : 0);
    }

    private static FlowKey Inbound(ushort port, ushort clientPort) => new(IpProtocols.Tcp, Client, clientPort, Vip, port);

    /// <summary>A running table: a template and its DR connection, a NAT connection, a FULLNAT connection.</summary>
    private static (ConnectionTable Table, Rules Rules) Running(long nowMs)
    {
        var rules = new Rules();
        var table = new ConnectionTable(64);
        var template = table.AddTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80), rules.Dr, 300_000, nowMs);
        var dr = table.Add(Inbound(80, 40000), rules.Dr, DirectRoutingForwarder.Instance, rules.Table.Find(Web)!.Stats, nowMs, template);
        table.OnTcpPacket(dr, TcpDirection.InputOnly, (byte)TcpFlags.Syn, nowMs);
        table.OnTcpPacket(dr, TcpDirection.InputOnly, (byte)TcpFlags.Ack, nowMs);
        var nat = table.Add(Inbound(8080, 40001), rules.Masq, NatForwarder.Masquerade, rules.Table.Find(Nat)!.Stats, nowMs);
        table.SetReplyKey(nat, new FlowKey(IpProtocols.Tcp, Rip, 8080, Client, 40001), pool: null);
        table.OnTcpPacket(nat, TcpDirection.Input, (byte)TcpFlags.Syn, nowMs);
        table.OnTcpPacket(nat, TcpDirection.Output, (byte)(TcpFlags.Syn | TcpFlags.Ack), nowMs);
        table.OnTcpPacket(nat, TcpDirection.Input, (byte)TcpFlags.Ack, nowMs);
        var full = table.Add(Inbound(443, 40002), rules.Fn, NatForwarder.FullNat, rules.Table.Find(Full)!.Stats, nowMs);
        Assert.True(rules.Pool.TryAllocate(IpProtocols.Tcp, out var port));
        table.SetReplyKey(full, new FlowKey(IpProtocols.Tcp, Rip2, 443, Lip, port), rules.Pool);
        return (table, rules);
    }

    private static List<SavedConnection> Save(ConnectionTable table, ServiceTable services, long nowMs)
    {
        var saved = new List<SavedConnection>();
        Assert.Equal(0, table.Save(saved, services, nowMs));
        return saved;
    }

    [Fact]
    public void SaveThenRestore_IntoANewTable_SameEntriesStatesAndTimersLeft()
    {
        var (before, rules) = Running(nowMs: 1_000);
        var snapshotBefore = new List<ConnectionInfo>();
        before.Snapshot(snapshotBefore, 2_000);
        var saved = Save(before, rules.Table, nowMs: 2_000);

        var restartedRules = new Rules();
        var after = new ConnectionTable(64);
        var counts = after.Restore(saved, restartedRules.Table, nowMs: 500_000, elapsedMs: 500);

        Assert.Equal(new ConnectionRestoreCounts(4, 0, 0, 0, 0, 0), counts);
        var snapshotAfter = new List<ConnectionInfo>();
        after.Snapshot(snapshotAfter, 500_000);
        Assert.Equal(
            snapshotBefore.Select(c => c with { ExpiresInMs = c.ExpiresInMs - 500 }).OrderBy(c => c.ClientPort),
            snapshotAfter.OrderBy(c => c.ClientPort));
        Assert.Equal(4, after.Count);
    }

    [Fact]
    public void Restore_RebindsRealServersCountsAndReplyFlows()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);

        var r = new Rules();
        var after = new ConnectionTable(64);
        after.Restore(saved, r.Table, nowMs: 0, elapsedMs: 0);

        Assert.Equal((1, 0, 1), (r.Dr.ActiveConnections, r.Dr.InactiveConnections, r.Dr.PersistentConnections));
        Assert.Equal((1, 0), (r.Masq.ActiveConnections, r.Masq.InactiveConnections));
        Assert.Equal((0, 1), (r.Fn.ActiveConnections, r.Fn.InactiveConnections));
        var nat = after.Lookup(Inbound(8080, 40001));
        Assert.True(nat >= 0);
        Assert.Equal(nat, after.LookupReply(new FlowKey(IpProtocols.Tcp, Rip, 8080, Client, 40001)));
        Assert.Same(r.Masq, after[nat].Server);
        Assert.Same(NatForwarder.Masquerade, after[nat].Forwarder);
        Assert.Same(r.Table.Find(Nat)!.Stats, after[nat].ServiceStats);

        // FULLNAT: the same local port, now held in the new pool.
        var full = after.Lookup(Inbound(443, 40002));
        var reply = after[full].ReplyKey;
        Assert.Equal(full, after.LookupReply(reply));
        Assert.Equal(1, r.Pool.InUse(IpProtocols.Tcp));
        Assert.False(r.Pool.TryReserve(IpProtocols.Tcp, reply.DestinationPort));
    }

    [Fact]
    public void Restore_TemplateLink_KeepsTheTemplateWhileItsConnectionLives()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);
        var after = new ConnectionTable(64);
        after.Restore(saved, new Rules().Table, nowMs: 0, elapsedMs: 0);
        var template = after.LookupTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80));
        var dr = after.Lookup(Inbound(80, 40000));

        Assert.Equal(template + 1, after[dr].Control);
        Assert.Equal(1, after[template].Control);

        // Past the template's 300 s but within the connection's 900 s: the template stays.
        after.Expire(301_000);
        Assert.True(after.LookupTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80)) >= 0);
    }

    [Fact]
    public void Restore_DowntimeLongerThanATimeout_DropsThatEntryOnly()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);

        // 200 s away: the SYN_RECV-less NAT/DR entries (ESTABLISHED, 900 s) live, the
        // FULLNAT one (no state change: 3 s in NONE) expired.
        var counts = new ConnectionTable(64).Restore(saved, new Rules().Table, nowMs: 0, elapsedMs: 200_000);

        Assert.Equal(3, counts.Restored);
        Assert.Equal(1, counts.Expired);
    }

    [Fact]
    public void Restore_ServiceOrRealServerGoneOrMethodChanged_Dropped()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);

        var noNat = new ConnectionTable(64).Restore(saved, new Rules(withNat: false).Table, 0, 0);
        var drNowTunnel = new ConnectionTable(64).Restore(saved, new Rules(drMethod: ForwardingMethod.Tunnel).Table, 0, 0);

        Assert.Equal((3, 1, 0), (noNat.Restored, noNat.NoService, noNat.NoRealServer));
        Assert.Equal((2, 0, 2), (drNowTunnel.Restored, drNowTunnel.NoService, drNowTunnel.NoRealServer));
    }

    [Fact]
    public void Restore_FlowAlreadyInTheTable_NewConnectionWins()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);
        var r = new Rules();
        var after = new ConnectionTable(64);
        var fresh = after.Add(Inbound(80, 40000), r.Dr, DirectRoutingForwarder.Instance, r.Table.Find(Web)!.Stats, 0);

        var counts = after.Restore(saved, r.Table, 0, 0);

        Assert.Equal(1, counts.Conflicts);
        Assert.Equal(fresh, after.Lookup(Inbound(80, 40000)));
    }

    [Fact]
    public void Restore_TableTooSmall_CountsTheRestAndLeavesNoPortHeld()
    {
        var (before, rules) = Running(nowMs: 0);
        var saved = Save(before, rules.Table, nowMs: 0);
        var r = new Rules();

        var counts = new ConnectionTable(3).Restore(saved, r.Table, 0, 0);

        Assert.Equal((3, 1), (counts.Restored, counts.TableFull));
        Assert.Equal(0, r.Pool.InUse(IpProtocols.Tcp));
    }

    [Fact]
    public void Save_RealServerNoLongerInTheTable_LeftOut()
    {
        var (before, rules) = Running(nowMs: 0);
        rules.Masq.Available = false;   // deleted by a rule change: its connection runs out, unsaved

        var saved = new List<SavedConnection>();
        var skipped = before.Save(saved, rules.Table, 0);

        Assert.Equal(1, skipped);
        Assert.Equal(3, saved.Count);
        Assert.DoesNotContain(saved, c => c.Method == ForwardingMethod.Masquerade);
    }
}
