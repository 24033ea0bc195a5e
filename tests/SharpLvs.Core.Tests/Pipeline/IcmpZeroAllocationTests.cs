using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.IcmpFrames;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>The zero-allocation bar of <see cref="ZeroAllocationTests"/> for relayed ICMP errors: NAT both ways, DR, schedule_icmp, the host's.</summary>
public class IcmpZeroAllocationTests
{
    [Fact]
    public void ProcessBatch_WarmedUpNatIcmpErrors_AllocateNothing()
    {
        var lab = new NatLab();
        var warmUp = Load(NatFrames(10000));
        var measured = Load(NatFrames(20000));
        lab.Processor.ProcessBatch(warmUp.Batch, 1_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        lab.Processor.ProcessBatch(measured.Batch, 1_000_100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(measured.Batch.Items.Take(5), d => Assert.Equal((Verdict.Transmit, DropReason.None), (d.Verdict, d.Reason)));
        Assert.Equal(Verdict.PassToKernel, measured.Batch.Items[5].Verdict);
        Assert.Equal(6, lab.Counters.IcmpRelayed);
    }

    [Fact]
    public void ProcessBatch_WarmedUpDirectRoutingIcmpErrorsWithScheduleIcmp_AllocateNothing()
    {
        var lab = new PipelineLab();
        lab.Holder.Publish(new ServiceTable(lab.Holder.Current.Services, lab.Holder.Current.ArpAnswers, IpvsTunables.Default with { ScheduleIcmp = 1 }));
        var warmUp = Load(DirectFrames(10000));
        var measured = Load(DirectFrames(20000));
        lab.Processor.ProcessBatch(warmUp.Batch, 1_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        lab.Processor.ProcessBatch(measured.Batch, 1_000_100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(measured.Batch.Items.Take(3), d => Assert.Equal((Verdict.Transmit, DropReason.None), (d.Verdict, d.Reason)));
        Assert.Equal(Verdict.PassToKernel, measured.Batch.Items[3].Verdict);
    }

    private static (byte[] Frame, int Ingress)[] NatFrames(ushort port)
    {
        var client = NatLab.Client;
        return
        [
            (FrameBuilder.Udp(NatLab.DirectorMac, NatLab.RouterMac, client, port, NatLab.Vip, 53, "q"u8), NatLab.ClientIf),
            (Error4(NatLab.DirectorMac, NatLab.RouterMac, client, NatLab.Vip, 3, 3, 0, Quote4(NatLab.Vip, 53, client, port, IpProtocols.Udp)), NatLab.ClientIf),
            (Error4(NatLab.DirectorLanMac, NatLab.Mac1, NatLab.Rip1, client, 3, 3, 0, Quote4(client, port, NatLab.Rip1, 5353, IpProtocols.Udp)), NatLab.ServerIf),
            (FrameBuilder.Tcp(NatLab.DirectorMac, NatLab.RouterMac, NatLab.Client6, port, NatLab.Vip6, 80, TcpFlags.Syn), NatLab.ClientIf),
            (Error6(NatLab.DirectorLanMac, NatLab.Mac1, NatLab.Rip6, NatLab.Client6, 1, 4, 0, Quote6(NatLab.Client6, port, NatLab.Rip6, 8080)), NatLab.ServerIf),
            (FrameBuilder.IcmpEcho(NatLab.DirectorMac, NatLab.RouterMac, client, NatLab.Vip, 7, port), NatLab.ClientIf),
        ];
    }

    private static (byte[] Frame, int Ingress)[] DirectFrames(ushort port)
    {
        var vip = TestServices.Vip;
        return
        [
            (PipelineLab.Syn(port), PipelineLab.IngressIf),
            (Error4(PipelineLab.DirectorMac, PipelineLab.ClientMac, PipelineLab.Other, vip, 3, 4, 1400, Quote4(vip, 80, PipelineLab.Client, port)), PipelineLab.IngressIf),

            // schedule_icmp: a connection made for the quoted flow.
            (Error4(PipelineLab.DirectorMac, PipelineLab.ClientMac, PipelineLab.Other, vip, 3, 4, 1400, Quote4(vip, 80, PipelineLab.Client, (ushort)(port + 1))), PipelineLab.IngressIf),
            (Error4(PipelineLab.DirectorMac, PipelineLab.ClientMac, PipelineLab.Other, vip, 3, 4, 1400, Quote4(vip, 22, PipelineLab.Client, port)), PipelineLab.IngressIf),
        ];
    }

    private static (PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) Load((byte[] Frame, int Ingress)[] frames)
    {
        var set = (new PacketBatch(frames.Length), frames.Select(f => new PinnedFrame(f.Frame)).ToArray(), frames);
        Reload(set);
        return set;
    }

    private static void Reload((PacketBatch Batch, PinnedFrame[] Frames, (byte[] Frame, int Ingress)[] Originals) set)
    {
        for (var i = 0; i < set.Frames.Length; i++)
        {
            set.Frames[i].Load(set.Originals[i].Frame);
            set.Batch.Items[i] = set.Frames[i].Descriptor(set.Originals[i].Ingress);
        }

        set.Batch.Count = set.Frames.Length;
    }
}
