using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.NatLab;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>The zero-allocation bar of <see cref="ZeroAllocationTests"/> for fragments: DR, NAT, FULLNAT, replies, drops.</summary>
public class FragmentZeroAllocationTests
{
    private static readonly byte[] Body = new byte[3000];

    [Fact]
    public void ProcessBatch_WarmedUpFragmentTraffic_AllocatesNothing()
    {
        var nat = new NatLab();
        var dr = new PipelineLab();
        var natWarmUp = NatBatch(10000);
        var natMeasured = NatBatch(20000);
        var drWarmUp = DrBatch(10000);
        var drMeasured = DrBatch(20000);
        Run(nat.Processor, natWarmUp, 1_000_000);
        Run(dr.Processor, drWarmUp, 1_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(nat.Processor, natMeasured, 1_030_000);
        Run(dr.Processor, drMeasured, 1_030_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        var items = natMeasured.Batch.Items.Concat(drMeasured.Batch.Items).ToArray();
        Assert.Equal(items.Length - 2, items.Count(d => d.Verdict == Verdict.Transmit));
        Assert.Contains(items, d => d.Reason == DropReason.NotFirstFragment);
        Assert.Contains(items, d => d.Reason == DropReason.FragmentExpired);
    }

    private static void Run(PacketProcessor processor, (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) set, long nowMs)
    {
        for (var i = 0; i < set.Frames.Length; i++)
        {
            set.Frames[i].Load(set.Originals[i].Frame);
            set.Batch.Items[i] = set.Frames[i].Descriptor(set.Originals[i].Ingress);
        }

        set.Batch.Count = set.Frames.Length;
        processor.ProcessBatch(set.Batch, nowMs);
    }

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) NatBatch(ushort port)
    {
        var frames = new List<(byte[] Frame, int Ingress)>();
        frames.AddRange(Fragmenter.Ipv4(In(port, TcpFlags.Syn, payload: Body), id: port).Select(f => (f, ClientIf)));
        frames.AddRange(Fragmenter.Ipv4(In(port, TcpFlags.Syn, vport: 81, payload: Body), id: (ushort)(port + 1)).Select(f => (f, ClientIf)));
        frames.Add((FrameBuilder.Udp(DirectorMac, RouterMac, Client, port, Vip, 53, "q"u8), ClientIf));
        frames.AddRange(Fragmenter.Ipv4(FrameBuilder.Udp(DirectorLanMac, Mac1, Rip1, 5353, Client, port, Body), id: port).Select(f => (f, ServerIf)));
        frames.AddRange(Fragmenter.Ipv6(FrameBuilder.Tcp(DirectorMac, RouterMac, Client6, port, Vip6, 80, TcpFlags.Syn, Body), id: port).Select(f => (f, ClientIf)));
        return Pack(frames);
    }

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) DrBatch(ushort port)
    {
        var frames = new List<(byte[] Frame, int Ingress)>();
        frames.AddRange(Fragmenter.Ipv4(Big(port), id: port).Select(f => (f, PipelineLab.IngressIf)));

        // A fragment of a datagram never seen; and one whose first fragment came with the
        // warm-up, 30 s before the measured batch.
        frames.Add((Fragmenter.Ipv4(Big((ushort)(port + 1)), id: (ushort)(port + 1))[1], PipelineLab.IngressIf));
        frames.Add((Fragmenter.Ipv4(Big(40000), id: 40000)[port == 10000 ? 0 : 1], PipelineLab.IngressIf));
        return Pack(frames);
    }

    private static byte[] Big(ushort port) =>
        FrameBuilder.Tcp(PipelineLab.DirectorMac, PipelineLab.ClientMac, PipelineLab.Client, port, TestServices.Vip, 80, TcpFlags.Syn, Body, seq: 1000);

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) Pack(List<(byte[] Frame, int Ingress)> frames)
    {
        var batch = new PacketBatch(frames.Count);
        return (batch, frames.Select(f => new PinnedFrame(f.Frame)).ToArray(), frames.ToArray());
    }
}
