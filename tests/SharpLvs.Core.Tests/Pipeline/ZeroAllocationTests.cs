using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

public class ZeroAllocationTests
{
    [Fact]
    public void ProcessBatch_WarmedUpMixedBatch_AllocatesNothing()
    {
        var lab = new PipelineLab();
        var warmUp = MixedBatch(firstNewPort: 10000);
        var measured = MixedBatch(firstNewPort: 20000);
        ProcessAll(lab, warmUp, 1_000_000);
        ProcessAll(lab, warmUp, 1_000_100);
        lab.Connections.Expire(1_000_100);

        // The measured batch schedules new connections, follows existing ones, answers ARP and
        // neighbour solicitations, passes and drops: every branch of the hot path.
        var before = GC.GetAllocatedBytesForCurrentThread();
        measured.Batch.Count = measured.Frames.Length;
        lab.Processor.ProcessBatch(measured.Batch, 1_000_200);
        lab.Connections.Expire(1_005_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains(measured.Batch.Items, d => d.Verdict == Verdict.Transmit);
        Assert.Contains(measured.Batch.Items, d => d.Verdict == Verdict.PassToKernel);
        Assert.Contains(measured.Batch.Items, d => d.Verdict == Verdict.Drop);
    }

    [Fact]
    public void ProcessBatch_PersistentFwmarkOnePacketAndTunables_AllocatesNothing()
    {
        var lab = new PipelineLab();
        var servers = System.Collections.Immutable.ImmutableArray.Create(lab.A, lab.B);
        var marked = PersistenceTests.Persistent(lab, new ServiceKey(0, InetAddress.FromV4(0), 0, 1), 300);
        var dns = new VirtualService(new ServiceKey(IpProtocols.Udp, Vip, 53), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers, ServiceFlags.OnePacket);
        lab.Holder.Publish(new ServiceTable(
            [marked, dns, lab.Web6],
            lab.Holder.Current.ArpAnswers,
            IpvsTunables.Default with { SloppyTcp = 1, ExpireNodestConn = 1, ExpireQuiescentTemplate = 1 },
            FirewallMarkTests.Marks(FirewallMarkTests.Rule(Vip, 32, 80, 443, 1))));
        var warmUp = MixedBatch(firstNewPort: 10000);
        var measured = MixedBatch(firstNewPort: 20000);
        ProcessAll(lab, warmUp, 1_000_000);
        ProcessAll(lab, warmUp, 1_000_100);
        lab.Connections.Expire(1_000_100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        measured.Batch.Count = measured.Frames.Length;
        lab.Processor.ProcessBatch(measured.Batch, 1_000_200);
        lab.Connections.Expire(1_400_000); // connections and templates expire
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(lab.A.Stats.Connections + lab.B.Stats.Connections > 0);
    }

    private static void ProcessAll(PipelineLab lab, (PacketBatch Batch, PinnedFrame[] Frames, byte[][] Originals) set, long nowMs)
    {
        for (var i = 0; i < set.Frames.Length; i++)
        {
            set.Frames[i].Load(set.Originals[i]);
            set.Batch.Items[i] = set.Frames[i].Descriptor(IngressIf, set.Batch.Items[i].Class);
        }

        set.Batch.Count = set.Frames.Length;
        lab.Processor.ProcessBatch(set.Batch, nowMs);
    }

    private static (PacketBatch Batch, PinnedFrame[] Frames, byte[][] Originals) MixedBatch(ushort firstNewPort)
    {
        var frames = new List<(byte[] Frame, PacketClass Class)>
        {
            (Syn(firstNewPort), PacketClass.Host),
            (Syn((ushort)(firstNewPort + 1)), PacketClass.Host),
            (Data(10000), PacketClass.Host),
            (FrameBuilder.Udp(DirectorMac, ClientMac, Client, firstNewPort, Vip, 53, "q"u8), PacketClass.Host),
            (FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, firstNewPort, Vip6, 80, TcpFlags.Syn), PacketClass.Host),
            (FrameBuilder.ArpRequest(ClientMac, Client, Vip), PacketClass.Broadcast),
            (FrameBuilder.ArpRequest(ClientMac, Client, Other), PacketClass.Broadcast),
            (Convert.FromHexString(NeighbourDiscoveryTests.MulticastSolicitation), PacketClass.Multicast),
            (Convert.FromHexString(NeighbourDiscoveryTests.DadProbe), PacketClass.Multicast),
            (Convert.FromHexString(NeighbourDiscoveryTests.UnicastSolicitation)[..70], PacketClass.Host),
            (FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 1, Other, 80, TcpFlags.Syn), PacketClass.Host),
            (Tcp(Client, 9, TcpFlags.Ack), PacketClass.Host),
            (Syn(firstNewPort)[..40], PacketClass.Host),
            (Syn(1, vlan: 5), PacketClass.Host),
        };
        var batch = new PacketBatch(frames.Count);
        var pinned = new PinnedFrame[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            pinned[i] = new PinnedFrame(frames[i].Frame);
            batch.Items[i] = pinned[i].Descriptor(IngressIf, frames[i].Class);
        }

        return (batch, pinned, frames.Select(f => f.Frame).ToArray());
    }
}
