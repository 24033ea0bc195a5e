using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// Several workers (lvsd --workers, docs/workers.md): each its own processor and table over one
/// service snapshot; FULLNAT local ports partitioned by worker; shared counters summed exactly.
/// </summary>
public class WorkersTests
{
    [Fact]
    public void Process_FullNatOnWorkerOneOfTwo_TakesOnlyItsLocalPortsAndMatchesTheReply()
    {
        var lab = new NatLab(workerIndex: 1, workerCount: 2);

        var (syn, output) = lab.Run(In(40000, TcpFlags.Syn, vport: 81), ClientIf);
        var localPort = BinaryPrimitives.ReadUInt16BigEndian(output.AsSpan(14 + 20));
        var (reply, _) = lab.Run(Reply(Mac1, Rip1, 8081, Lip, localPort, TcpFlags.Syn | TcpFlags.Ack), ServerIf);

        // The pool is 5000-5001: worker 1 of 2 owns 5001 alone, so a second client port finds none.
        var (second, _) = lab.Run(In(40001, TcpFlags.Syn, vport: 81), ClientIf);

        Assert.Equal(Verdict.Transmit, syn.Verdict);
        Assert.Equal(5001, localPort);
        Assert.Equal(1, FlowSteering.WorkerForLocalPort(localPort, 2));
        Assert.Equal(Verdict.Transmit, reply.Verdict);
        Assert.Equal((Verdict.Drop, DropReason.LocalPortsExhausted), (second.Verdict, second.Reason));
    }

    [Fact]
    public void Process_TwoWorkersOneService_SchedulerAndCountersShared()
    {
        var lab = new NatLab(workerIndex: 1, workerCount: 2);
        var other = new PacketProcessor(lab.Holder, new ConnectionTable(1024), nextHops: lab.NextHops, workerIndex: 0, workerCount: 2);

        lab.Run(In(40000, TcpFlags.Syn), ClientIf);
        using (var frame = new PinnedFrame(In(40001, TcpFlags.Syn)))
        {
            var items = new[] { frame.Descriptor(ClientIf) };
            other.Process(ref items[0], 1_000_000);
            Assert.Equal(Verdict.Transmit, items[0].Verdict);
        }

        // rr's position is the service's, not a worker's: one connection each way.
        Assert.Equal((1, 1), (lab.R1.TotalConnections, lab.R2.TotalConnections));
        Assert.Equal(2, lab.Holder.Current.Find(new ServiceKey(IpProtocols.Tcp, Vip, 80))!.Stats.Connections);
        Assert.Equal((1, 1), (lab.Connections.Count, other.Connections.Count));
        Assert.True(lab.Connections.Shared && other.Connections.Shared);
    }

    [Fact]
    public void Counting_SharedFromTwoThreads_NoUpdateLost()
    {
        var stats = new IpvsStats();
        var server = new RealServer(InetAddress.Parse("198.18.1.21"), 80, ForwardingMethod.DirectRouting, 1);
        const int Rounds = 200_000;

        void Work()
        {
            for (var i = 0; i < Rounds; i++)
            {
                stats.CountIn(10, shared: true);
                stats.CountConnection(shared: true);
                server.Bind(inactive: true, template: false, shared: true);
                server.MoveConnection(toInactive: false, shared: true);
                server.Unbind(inactive: false, template: false, shared: true);
                server.Bind(inactive: false, template: true, shared: true);
            }
        }

        var threads = new[] { new Thread(Work), new Thread(Work) };
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal((2L * Rounds, 20L * Rounds, 2L * Rounds), (stats.InPackets, stats.InBytes, stats.Connections));
        Assert.Equal((0, 0, 2 * Rounds), (server.ActiveConnections, server.InactiveConnections, server.PersistentConnections));
    }

    [Fact]
    public void TryAllocate_TwoWorkersAtOnce_DisjointResidueClassesCoveringThePool()
    {
        var pool = new LocalAddressPool(InetAddress.Parse("198.18.1.250"), 1024, 9999);
        var taken = new List<ushort>[] { [], [] };

        void Take(int worker)
        {
            while (pool.TryAllocate(IpProtocols.Tcp, worker, 2, out var port))
            {
                taken[worker].Add(port);
            }
        }

        var threads = new[] { new Thread(() => Take(0)), new Thread(() => Take(1)) };
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.All(taken[0], p => Assert.Equal(0, p % 2));
        Assert.All(taken[1], p => Assert.Equal(1, p % 2));
        Assert.Equal(Enumerable.Range(1024, 9999 - 1024 + 1).Select(p => (ushort)p), taken[0].Concat(taken[1]).Order());
        Assert.Equal(pool.Size, pool.InUse(IpProtocols.Tcp));
    }

    [Fact]
    public void TryAllocate_StridedAfterRelease_TakesThePortAgainOnlyAfterTheClass()
    {
        var pool = new LocalAddressPool(InetAddress.Parse("198.18.1.250"), 5000, 5011);
        var first = new List<ushort>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(pool.TryAllocate(IpProtocols.Udp, 2, 3, out var port));
            first.Add(port);
        }

        Assert.False(pool.TryAllocate(IpProtocols.Udp, 2, 3, out _));
        pool.Release(IpProtocols.Udp, first[1], shared: true);
        Assert.True(pool.TryAllocate(IpProtocols.Udp, 2, 3, out var again));

        Assert.Equal([5000, 5003, 5006, 5009], first.Select(p => (int)p));
        Assert.Equal(first[1], again);
        Assert.Equal(1, pool.Exhausted);
    }

    [Fact]
    public void SumDropped_SeveralWorkers_SumsEachReasonAndEveryCounter()
    {
        var a = new DataPlaneCounters();
        var b = new DataPlaneCounters(a.Totals);
        a.CountVerdict(Verdict.Drop, DropReason.NoConnection);
        b.CountVerdict(Verdict.Drop, DropReason.NoConnection);
        b.CountVerdict(Verdict.Drop, DropReason.NoConnection);
        b.CountConnectionCreated();

        var all = DataPlaneCounters.SumAll([a, b]).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(3, DataPlaneCounters.SumDropped([a, b], DropReason.NoConnection));
        Assert.Equal(3, all["Drop.NoConnection"]);
        Assert.Equal(3, all["Verdict.Drop"]);
        Assert.Equal(1, all["ConnectionsCreated"]);
        Assert.Same(a.Totals, b.Totals);
    }

    [Fact]
    public void OwnerOf_FullNatEntrySavedWithAnotherWorkerCount_Nobody()
    {
        var client = InetAddress.Parse("198.19.0.100");
        var key = new FlowKey(IpProtocols.Tcp, client, 40000, InetAddress.Parse("198.18.0.250"), 81);
        var owner = FlowSteering.WorkerForClient(client, 2);
        var fits = (ushort)(5000 + owner);
        var misfits = (ushort)(5001 - owner);

        Assert.Equal(owner, FlowSteering.OwnerOf(Saved(key, fits), 2));
        Assert.Equal(-1, FlowSteering.OwnerOf(Saved(key, misfits), 2));
        Assert.Equal(0, FlowSteering.OwnerOf(Saved(key, misfits), 1));
    }

    [Fact]
    public void WorkerForClient_ManyClients_EveryWorkerGetsAShare()
    {
        var counts = new int[4];
        for (var i = 0; i < 4096; i++)
        {
            counts[FlowSteering.WorkerForClient(InetAddress.FromV4(0xC6130000u + (uint)i), 4)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 900, 1150));
    }

    private static SavedConnection Saved(in FlowKey key, ushort localPort) => new(
        key,
        new ServiceKey(IpProtocols.Tcp, key.Destination, key.DestinationPort),
        InetAddress.Parse("198.18.1.21"),
        8081,
        ForwardingMethod.FullNat,
        TcpState.Established,
        SavedConnectionFlags.ReplyKey | SavedConnectionFlags.LocalAddress,
        60_000,
        -1,
        new FlowKey(IpProtocols.Tcp, InetAddress.Parse("198.18.1.21"), 8081, InetAddress.Parse("198.18.1.250"), localPort),
        InetAddress.Parse("198.18.1.250"));
}
