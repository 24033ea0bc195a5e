using System.Runtime.CompilerServices;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// The director's packet path, one entry point that gives every frame a verdict and counts
/// it: Ethernet (VLAN tags passed through) → ARP for a VIP answered in place, or IPv4/IPv6 →
/// TCP/UDP → connection lookup (ip_vs_in) → on a miss, service lookup and scheduling → the
/// connection's forwarder rewrites the frame in place. Frames that are not the director's go
/// to the host kernel untouched; frames for a VIP that cannot be handled are dropped under a
/// named reason.
/// </summary>
/// <remarks>
/// Owned by one data-plane worker and used on its thread only; never allocates, throws or
/// locks per packet. The service snapshot is read once per batch (<see cref="ProcessBatch"/>).
/// One of several workers (lvsd --workers, docs/workers.md): its own connection table,
/// fragment cache and ICMP limiter; what it shares with the others (service and real-server
/// counters, FULLNAT port pools, schedulers) is updated atomically or, for scheduling a new
/// connection, under the scheduler's lock, as the kernel takes svc->sched_lock.
/// </remarks>
public sealed partial class PacketProcessor
{
    private readonly ServiceTableHolder _services;

    // Several workers share the services' counters and schedulers (WorkerCount > 1).
    private readonly bool _shared;
    private uint _localAddressTurn;

    public PacketProcessor(
        ServiceTableHolder services,
        ConnectionTable connections,
        DataPlaneCounters? counters = null,
        NextHopCache? nextHops = null,
        int workerIndex = 0,
        int workerCount = 1)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workerCount, LocalAddressPool.MaxWorkers);
        ArgumentOutOfRangeException.ThrowIfNegative(workerIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(workerIndex, workerCount);
        _services = services;
        Connections = connections;
        Counters = counters ?? new DataPlaneCounters();
        NextHops = nextHops ?? new NextHopCache();
        WorkerIndex = workerIndex;
        WorkerCount = workerCount;
        _shared = workerCount > 1;
        connections.Shared = _shared;
    }

    /// <summary>This processor's worker, 0 to <see cref="WorkerCount"/> - 1.</summary>
    public int WorkerIndex { get; }

    /// <summary>How many workers share the services (1: this one alone).</summary>
    public int WorkerCount { get; }

    public ConnectionTable Connections { get; }

    public DataPlaneCounters Counters { get; }

    /// <summary>Next hops toward clients, for NAT and FULLNAT replies; filled by the Linux edge.</summary>
    public NextHopCache NextHops { get; }

    /// <summary>Processes the first <c>batch.Count</c> descriptors against one snapshot of the services.</summary>
    public void ProcessBatch(PacketBatch batch, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = _services.Current;
        var items = batch.Items;
        var count = Math.Min(batch.Count, items.Length);
        for (var i = 0; i < count; i++)
        {
            Process(ref items[i], table, nowMs);
        }
    }

    /// <summary>Processes one frame against the current snapshot of the services.</summary>
    public void Process(ref PacketDescriptor packet, long nowMs) => Process(ref packet, _services.Current, nowMs);

    internal void Process(ref PacketDescriptor packet, ServiceTable table, long nowMs)
    {
        // A port may hand over a frame already condemned (a truncated ring copy): count only.
        if (packet.Verdict == Verdict.Drop)
        {
            Counters.CountVerdict(Verdict.Drop, packet.Reason);
            return;
        }

        var reason = Classify(ref packet, table, nowMs, out var verdict);
        packet.Verdict = verdict;
        packet.Reason = verdict == Verdict.Drop ? reason : DropReason.None;
        if (verdict != Verdict.Transmit)
        {
            packet.EgressIfIndex = 0;
        }

        Counters.CountVerdict(verdict, reason);
    }

    private DropReason Classify(ref PacketDescriptor packet, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;

        // ip_vs_in looks only at PACKET_HOST frames; the host's own and other hosts' frames
        // (promiscuous capture) are never the director's.
        if (packet.Class is PacketClass.OtherHost or PacketClass.Outgoing)
        {
            return DropReason.None;
        }

        if (packet.Length <= 0 || !EthernetFrame.TryParse(packet.Frame, out var eth))
        {
            return DropReason.None;
        }

        switch (eth.EtherType)
        {
            case EtherTypes.Arp:
                return AnswerArp(ref packet, eth, table, out verdict);
            case EtherTypes.Ipv6 when (packet.Class is PacketClass.Host or PacketClass.Multicast) && IsNeighbourSolicitation(eth.Payload):
                return AnswerNeighbourSolicitation(ref packet, eth, table, out verdict);
            case EtherTypes.Ipv4 when packet.Class == PacketClass.Host:
                return ProcessIpv4(ref packet, eth, table, nowMs, out verdict);
            case EtherTypes.Ipv6 when packet.Class == PacketClass.Host:
                return ProcessIpv6(ref packet, eth, table, nowMs, out verdict);
            default:
                return DropReason.None;
        }
    }

    /// <summary>
    /// Answers "who has VIP?" on an interface where the director owns the VIP: the request is
    /// turned into the reply in place (RFC 826) and sent back out of the ingress interface.
    /// Every other ARP frame is the host's business.
    /// </summary>
    private DropReason AnswerArp(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (!ArpPacket.TryParse(eth.Payload, out var arp)
            || arp.Operation != ArpPacket.OperationRequest
            || !table.TryGetArpAnswer(packet.IngressIfIndex, arp.TargetAddress, out var ourMac)
            || arp.SenderAddress == arp.TargetAddress)
        {
            // A gratuitous request (sender = target) announces someone else's binding; it
            // asks nothing.
            return DropReason.None;
        }

        var requester = eth.Source;
        arp.TurnIntoReply(ourMac);
        eth.Destination = requester;
        eth.Source = ourMac;
        packet.EgressIfIndex = packet.IngressIfIndex;
        Counters.CountArpReply();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// CHECKSUM_PARTIAL (TESTBED fact 1): the L4 checksum holds only the pseudo-header sum.
    /// A normal frame is completed here, as skb_checksum_help would before it leaves; a GSO
    /// super-frame keeps the offload metadata, since the port's kernel segments it and fills
    /// each segment's checksum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private DropReason CompleteChecksum(ref PacketDescriptor packet, byte protocol)
    {
        if (!packet.NeedsChecksum || packet.Gso != GsoType.None)
        {
            return DropReason.None;
        }

        var frame = packet.Frame;
        if (!Checksum.CompletePartial(frame, packet.ChecksumStart, packet.ChecksumOffset))
        {
            return DropReason.BadPartialChecksum;
        }

        // UDP sends a computed 0 as 0xFFFF: 0 on the wire means "no checksum" (RFC 768).
        var field = frame.Slice(packet.ChecksumStart + packet.ChecksumOffset, 2);
        if (protocol == IpProtocols.Udp && field[0] == 0 && field[1] == 0)
        {
            field.Fill(0xFF);
        }

        packet.NeedsChecksum = false;
        Counters.CountChecksumCompleted();
        return DropReason.None;
    }
}
