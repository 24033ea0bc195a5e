using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>The zero-allocation bar of <see cref="ZeroAllocationTests"/> for the NAT and FULLNAT paths, both directions.</summary>
public class NatZeroAllocationTests
{
    [Fact]
    public void ProcessBatch_WarmedUpNatAndFullNatTraffic_AllocatesNothing()
    {
        var lab = new NatLab();
        var warmUp = Batch(10000);
        var measured = Batch(20000);
        Run(lab, warmUp, 1_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(lab, measured, 1_000_100);
        lab.Connections.Expire(1_200_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(measured.Batch.Items.Take(6), d => Assert.Equal((Verdict.Transmit, DropReason.None), (d.Verdict, d.Reason)));
        Assert.Equal(Verdict.Drop, measured.Batch.Items[6].Verdict);
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

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) Batch(ushort port)
    {
        // Round robin sends the warm-up's connection to R1 and the measured one to R2; the
        // FULLNAT SYN of the warm-up takes local port 5000, the measured one 5001.
        var warmUp = port == 10000;
        var frames = new (byte[] Frame, int Ingress)[]
        {
            (In(port, TcpFlags.Syn), ClientIf),
            (Reply(warmUp ? Mac1 : Mac2, warmUp ? Rip1 : Rip2, 8080, Client, port, TcpFlags.Syn | TcpFlags.Ack), ServerIf),
            (In(port, TcpFlags.Ack), ClientIf),
            (In(port, TcpFlags.Syn, vport: 81), ClientIf),
            (Reply(Mac1, Rip1, 8081, Lip, (ushort)(warmUp ? 5000 : 5001), TcpFlags.Syn | TcpFlags.Ack), ServerIf),
            (FrameBuilder.Udp(DirectorMac, RouterMac, Client, port, Vip, 53, "q"u8), ClientIf),
            (Reply(Mac1, Rip1, 8080, Client, 9, TcpFlags.Ack), ServerIf),
        };
        var batch = new PacketBatch(frames.Length);
        var pinned = frames.Select(f => new PinnedFrame(f.Frame)).ToArray();
        return (batch, pinned, frames);
    }
}
