using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Forwarding;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>TUN through the whole pipeline: scheduling, the tunnel, the ICMP reply path, no allocation.</summary>
public class TunnelPipelineTests
{
    private const long Now = 1_000_000;

    [Fact]
    public void Process_SynToTunnelServer_TransmittedEncapsulatedToTheRealServer()
    {
        var processor = Processor(Server4());
        var frame = new HeadroomFrame(Syn(40000));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
        Assert.Equal(EgressIf, frame.Packet.EgressIfIndex);
        Assert.Equal(IpProtocols.IpIp, frame.Output[14 + 9]);
        Assert.Equal(1, processor.Counters.ConnectionsCreated);
    }

    [Fact]
    public void Process_PartialChecksumThroughIpip_CompletedAtItsNewPlace()
    {
        var processor = Processor(Server4());
        var input = Syn(40000);
        var expectedInner = input[14..];

        // A local sender's CHECKSUM_PARTIAL packet: the field holds the pseudo-header sum.
        var pseudo = (ushort)PseudoSum(input.AsSpan(26, 4), input.AsSpan(30, 4), 6, input.Length - 34);
        input[34 + 16] = (byte)(pseudo >> 8);
        input[34 + 17] = (byte)pseudo;
        var frame = new HeadroomFrame(input);
        frame.Packet.NeedsChecksum = true;
        frame.Packet.ChecksumStart = 34;
        frame.Packet.ChecksumOffset = 16;

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
        Assert.Equal(Convert.ToHexString(expectedInner), Convert.ToHexString(frame.Output.AsSpan(34)));
        Assert.Equal(1, processor.Counters.ChecksumsCompleted);
    }

    [Fact]
    public void Process_DfSynTooBigForTheTunnel_IcmpErrorSentBackOutOfTheIngress()
    {
        var processor = Processor(Server4());
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Syn, new byte[1441]);
        var frame = new HeadroomFrame(input);

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
        Assert.Equal(DropReason.None, frame.Packet.Reason);
        Assert.Equal(IngressIf, frame.Packet.EgressIfIndex);
        Assert.Equal(IpProtocols.Icmp, frame.Output[14 + 9]);
        Assert.Equal(1, processor.Counters.IcmpErrors);
        Assert.Equal(0, processor.Counters.Count(Verdict.Drop));
    }

    [Fact]
    public void Process_TooBigWithoutRoomForTheError_DroppedAsFragmentationNeeded()
    {
        var processor = Processor(Server4());
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Syn, new byte[1441]);
        var frame = new HeadroomFrame(input, headroom: 20);

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.Drop, frame.Packet.Verdict);
        Assert.Equal(DropReason.FragmentationNeeded, frame.Packet.Reason);
        Assert.Equal(1, processor.Counters.Dropped(DropReason.FragmentationNeeded));
        Assert.Equal(0, processor.Counters.IcmpErrors);
    }

    [Fact]
    public void ProcessBatch_WarmedUpTunnelTraffic_AllocatesNothing()
    {
        var processor = Processor(Server4(), Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.Checksum)));
        byte[][] originals =
        [
            Syn(30000), Syn(30001), Data(30000), Data(30001),
            FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 30002, Vip, 80, TcpFlags.Syn, new byte[1441]),
            FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 30003, Vip6, 80, TcpFlags.Syn, new byte[1441]),
            Syn(30004, vlan: 3),
        ];
        var frames = originals.Select(f => new HeadroomFrame(f)).ToArray();
        var batch = new PacketBatch(frames.Length);
        void Load()
        {
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = new HeadroomFrame(originals[i]);
                batch.Items[i] = frames[i].Packet;
            }

            batch.Count = frames.Length;
        }

        Load();
        processor.ProcessBatch(batch, Now);
        Load();
        processor.ProcessBatch(batch, Now + 1);
        Load();

        var before = GC.GetAllocatedBytesForCurrentThread();
        processor.ProcessBatch(batch, Now + 2);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(batch.Items, d => Assert.Equal(Verdict.Transmit, d.Verdict));
        Assert.Equal(6, processor.Counters.IcmpErrors);   // two per round
    }
}
