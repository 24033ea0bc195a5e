using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;

namespace SharpLvs.Core.Tests.Pipeline;

public class DataPlaneWorkerTests
{
    [Fact]
    public void RunOnce_FramesFromThePort_AreProcessedAndSentBack()
    {
        var lab = new PipelineLab();
        var port = new FakePacketPort();
        var worker = new DataPlaneWorker(port, lab.Holder, lab.Connections, new ManualTimeProvider());
        port.Enqueue(Syn(40000));
        port.Enqueue(Data(40000));
        port.Enqueue(FrameBuilder.ArpRequest(ClientMac, Client, TestServices.Vip), packetClass: PacketClass.Broadcast);
        port.Enqueue(Tcp(Client, 1, TcpFlags.Ack));

        worker.RunOnce();

        Assert.Equal(
            [(Verdict.Transmit, DropReason.None), (Verdict.Transmit, DropReason.None), (Verdict.Transmit, DropReason.None), (Verdict.Drop, DropReason.NoConnection)],
            port.Verdicts);
        Assert.Equal(Convert.ToHexString(Syn(40000, MacA, DirectorEgressMac)), Convert.ToHexString(port.Sent[0].Frame));
        Assert.Equal(EgressIf, port.Sent[0].IfIndex);
        Assert.Equal(IngressIf, port.Sent[2].IfIndex);
        Assert.Equal(3, worker.Counters.Count(Verdict.Transmit));
        Assert.Equal(1, worker.Connections.Count);
    }

    [Fact]
    public void RunOnce_TimePasses_ConnectionsExpire()
    {
        var lab = new PipelineLab();
        var port = new FakePacketPort();
        var clock = new ManualTimeProvider();
        var worker = new DataPlaneWorker(port, lab.Holder, lab.Connections, clock);
        port.Enqueue(Syn(40000));
        worker.RunOnce();

        clock.Advance(TimeSpan.FromSeconds(59));
        worker.RunOnce();
        Assert.Equal(1, worker.Connections.Count);

        clock.Advance(TimeSpan.FromSeconds(2));
        worker.RunOnce();
        Assert.Equal(0, worker.Connections.Count);
        Assert.Equal(1, worker.Counters.ConnectionsExpired);
        Assert.Equal((0, 0), (lab.A.ActiveConnections, lab.A.InactiveConnections));
    }

    [Fact]
    public void RunOnce_PeriodicScheduler_TickedAboutOnceASecond()
    {
        var lab = new PipelineLab();
        var ticks = new List<long>();
        var scheduler = new TickRecorder(ticks);
        var service = new SharpLvs.Core.Services.VirtualService(
            new SharpLvs.Core.Services.ServiceKey(IpProtocols.Tcp, TestServices.Vip, 8080), "lblc", scheduler, [lab.A]);
        lab.Holder.Publish(new SharpLvs.Core.Services.ServiceTable([.. lab.Holder.Current.Services, service]));
        var clock = new ManualTimeProvider();
        var worker = new DataPlaneWorker(new FakePacketPort(), lab.Holder, lab.Connections, clock);

        worker.RunOnce();
        clock.Advance(TimeSpan.FromMilliseconds(400));
        worker.RunOnce();
        clock.Advance(TimeSpan.FromMilliseconds(700));
        worker.RunOnce();

        Assert.Equal(2, ticks.Count);
        Assert.Equal(1100, ticks[1] - ticks[0]);
    }

    private sealed class TickRecorder(List<long> ticks) : SharpLvs.Core.Scheduling.IScheduler, SharpLvs.Core.Scheduling.IPeriodicScheduler
    {
        public string Name => "lblc";

        public SharpLvs.Core.Services.RealServer? Schedule(SharpLvs.Core.Services.VirtualService service, in SharpLvs.Core.Connections.FlowKey flow) => null;

        public void Tick(long nowMs) => ticks.Add(nowMs);
    }

    [Fact]
    public void RunOnce_SnapshotPublishedBetweenBatches_IsUsedByTheNextBatch()
    {
        var lab = new PipelineLab();
        var port = new FakePacketPort();
        var worker = new DataPlaneWorker(port, lab.Holder, lab.Connections, new ManualTimeProvider());
        port.Enqueue(Syn(40000));
        worker.RunOnce();

        lab.SetWebServers(lab.B);
        port.Enqueue(Syn(40001));
        worker.RunOnce();

        Assert.Equal(MacA, MacAddress.Read(port.Sent[0].Frame));
        Assert.Equal(MacB, MacAddress.Read(port.Sent[1].Frame));
    }

    [Fact]
    public async Task Run_OnItsThread_AnswersRequestsAndStopsOnCancel()
    {
        var lab = new PipelineLab();
        var port = new FakePacketPort();
        var worker = new DataPlaneWorker(port, lab.Holder, lab.Connections, new ManualTimeProvider(), receiveTimeoutMs: 1);
        using var stop = new CancellationTokenSource();
        var thread = new Thread(() => worker.Run(stop.Token)) { IsBackground = true };
        thread.Start();

        port.Enqueue(Syn(40000));
        port.Enqueue(FrameBuilder.Udp(DirectorMac, ClientMac, Client, 5353, TestServices.Vip, 53, "q"u8));
        var connections = await WaitFor(worker, count: 2);
        var workerThread = await worker.InvokeAsync(_ => Environment.CurrentManagedThreadId).WaitAsync(TimeSpan.FromSeconds(10));

        await stop.CancelAsync();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));

        Assert.Equal(["SYN_RECV", "UDP"], connections.Select(c => c.StateName).Order());
        Assert.Equal(thread.ManagedThreadId, workerThread);
    }

    [Fact]
    public async Task InvokeAsync_RequestThrows_TaskFaults()
    {
        var lab = new PipelineLab();
        var worker = new DataPlaneWorker(new FakePacketPort(), lab.Holder, lab.Connections, new ManualTimeProvider());

        var task = worker.InvokeAsync<int>(_ => throw new InvalidOperationException("boom"));
        worker.RunOnce();

        await Assert.ThrowsAsync<InvalidOperationException>(() => task);
    }

    private static async Task<List<SharpLvs.Core.Connections.ConnectionInfo>> WaitFor(DataPlaneWorker worker, int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var list = await worker.GetConnectionsAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (list.Count >= count)
            {
                return list;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("the worker never created the connections");
    }
}
