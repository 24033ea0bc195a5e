using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>The zero-allocation bar of <see cref="ZeroAllocationTests"/> for one of several workers: shared counters, the scheduler's lock, strided FULLNAT ports.</summary>
public class WorkersZeroAllocationTests
{
    [Fact]
    public void ProcessBatch_WorkerOneOfTwoNatAndFullNat_AllocatesNothing()
    {
        var lab = new NatLab(workerIndex: 1, workerCount: 2);
        var warmUp = Batch(10000, Mac1, Rip1);
        var measured = Batch(20000, Mac2, Rip2);
        Run(lab, warmUp, 1_000_000);

        // Worker 1 of 2 owns local port 5001 alone: the warm-up's connections end first.
        lab.Connections.Expire(5_000_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(lab, measured, 5_000_100);
        lab.Connections.Expire(9_000_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(measured.Batch.Items, d => Assert.Equal((Verdict.Transmit, DropReason.None), (d.Verdict, d.Reason)));
    }

    private static void Run(NatLab lab, (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) set, long nowMs)
    {
        for (var i = 0; i < set.Frames.Length; i++)
        {
            set.Frames[i].Load(set.Originals[i].Frame);
            set.Batch.Items[i] = set.Frames[i].Descriptor(set.Originals[i].Ingress);
        }

        set.Batch.Count = set.Frames.Length;
        lab.Processor.ProcessBatch(set.Batch, nowMs);
    }

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) Batch(ushort port, MacAddress mac, InetAddress rip)
    {
        var frames = new (byte[] Frame, int Ingress)[]
        {
            (In(port, TcpFlags.Syn), ClientIf),
            (Reply(mac, rip, 8080, Client, port, TcpFlags.Syn | TcpFlags.Ack), ServerIf),
            (In(port, TcpFlags.Ack), ClientIf),
            (In(port, TcpFlags.Syn, vport: 81), ClientIf),
            (Reply(Mac1, Rip1, 8081, Lip, 5001, TcpFlags.Syn | TcpFlags.Ack), ServerIf),
            (FrameBuilder.Udp(DirectorMac, RouterMac, Client, port, Vip, 53, "q"u8), ClientIf),
        };
        var batch = new PacketBatch(frames.Length);
        var pinned = frames.Select(f => new PinnedFrame(f.Frame)).ToArray();
        return (batch, pinned, frames);
    }
}
