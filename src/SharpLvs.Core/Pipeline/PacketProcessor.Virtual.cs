using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// ip_vs_in for a parsed client → VIP packet: find its connection or create one, check the
/// real server, count, move the state machine, transmit through the bound forwarder.
/// </summary>
public sealed partial class PacketProcessor
{
    private DropReason ProcessVirtual(ref PacketDescriptor packet, ref InboundPacket inbound, ServiceTable table, long nowMs, out Verdict verdict)
    {
        verdict = Verdict.Drop;

        // Checked before anything changes, so a frame with impossible offload metadata leaves
        // no trace in the connection table or the counters.
        if (packet.NeedsChecksum && packet.ChecksumStart + packet.ChecksumOffset + 2 > packet.Length)
        {
            return DropReason.BadPartialChecksum;
        }

        var connections = Connections;
        var tunables = table.Tunables;
        var isTcp = inbound.Flow.Protocol == IpProtocols.Tcp;
        var index = connections.Lookup(inbound.Flow);

        // ip_vs_in's conn_reuse_mode check: a SYN on the ports of an old connection starts a
        // new one, scheduled afresh, instead of riding the old one to the old real server.
        if (index >= 0 && isTcp && (inbound.TcpFlags & (byte)TcpFlags.Syn) != 0 && tunables.ConnReuseMode != 0
            && ShouldReschedule(ref connections[index], tunables))
        {
            connections.Remove(index);
            index = -1;
        }

        // ip_vs_in's server status check: the destination was deleted.
        if (index >= 0 && !connections[index].Server!.Available)
        {
            if (tunables.ExpireNodestConn == 0)
            {
                // Dropped silently, the timer left alone: the connection dies out.
                return DropReason.RealServerUnavailable;
            }

            // expire_nodest_conn: the connection ends now and the packet is handled as new.
            connections.Remove(index);
            Counters.CountConnectionsExpired(1);
            index = -1;
        }

        RealServer server;
        IForwarder forwarder;
        IpvsStats serviceStats;
        if (index >= 0)
        {
            ref var entry = ref connections[index];
            server = entry.Server!;
            forwarder = entry.Forwarder!;
            serviceStats = entry.ServiceStats!;
        }
        else
        {
            var service = table.FindForPacket(inbound.Flow.Protocol, inbound.Flow.Destination, inbound.Flow.DestinationPort);
            if (service is null)
            {
                // A VIP, but no service on this protocol/port: the host's (ip_vs_in accepts).
                verdict = Verdict.PassToKernel;
                return DropReason.None;
            }

            // tcp_conn_schedule schedules only on a SYN (any segment with sloppy_tcp), never
            // on an RST. The kernel then lets the segment go on to the local stack, which
            // holds the VIP and answers RST; here the host kernel is kept off the served
            // flows (TESTBED fact 3), so the segment is dropped and counted instead.
            if (isTcp && !CanSchedule(inbound.TcpFlags, tunables))
            {
                return DropReason.NoConnection;
            }

            var reason = Schedule(service, ref inbound, tunables, nowMs, out index, out server!, out forwarder!);
            if (reason == DropReason.NoRealServer)
            {
                return Leave(ref packet, inbound, nowMs, out verdict);
            }

            if (reason == DropReason.None && index >= 0)
            {
                reason = BindReplyFlow(service, index);
            }

            if (reason != DropReason.None)
            {
                return reason;
            }

            serviceStats = service.Stats;
        }

        // ip_vs_in_stats: skb->len is the IP packet's length.
        server.Stats.CountIn(inbound.IpLength, _shared);
        serviceStats.CountIn(inbound.IpLength, _shared);
        Counters.Totals.CountIn(inbound.IpLength, _shared);

        // A one-packet datagram has no entry to move (IP_VS_CONN_F_ONE_PACKET).
        if (index >= 0)
        {
            if (isTcp)
            {
                connections.OnTcpPacket(index, TcpDirection.Input, inbound.TcpFlags, nowMs);
            }
            else
            {
                connections.OnUdpPacket(index, nowMs);
            }

            connections.UpdateOffload(index);
        }

        inbound.ReplyFlow = index >= 0 ? connections[index].ReplyKey : default;
        if (inbound.IsFirstFragment)
        {
            BindFragment(inbound, server, forwarder, serviceStats);
        }

        var xmit = forwarder.Inbound(ref packet, inbound, server);
        if (xmit == DropReason.FragmentationNeeded && packet.EgressIfIndex != 0)
        {
            // ensure_mtu_is_adequate: the forwarder turned the packet into the ICMP error for
            // its sender, already complete.
            Counters.CountIcmpError();
            verdict = Verdict.Transmit;
            return DropReason.None;
        }

        if (xmit != DropReason.None)
        {
            return xmit;
        }

        var checksum = CompleteChecksum(ref packet, inbound.Flow.Protocol);
        if (checksum != DropReason.None)
        {
            return checksum;
        }

        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// ip_vs_schedule: pick a real server (through the client's persistence template for a
    /// persistent service), then create the connection bound to its forwarder, controlled by
    /// the template. A one-packet UDP service gets no entry: the datagram is scheduled alone.
    /// </summary>
    private DropReason Schedule(
        VirtualService service, ref InboundPacket inbound, IpvsTunables tunables, long nowMs,
        out int index, out RealServer? server, out IForwarder? forwarder)
    {
        index = -1;
        forwarder = null;
        var template = -1;
        if (service.IsPersistent)
        {
            var persist = SchedulePersistent(service, inbound.Flow, tunables, nowMs, out server, out template);
            if (persist != DropReason.None)
            {
                return persist;
            }
        }
        else
        {
            if (service.Key.FirewallMark == 0 && inbound.Flow.DestinationPort != service.Key.Port)
            {
                server = null;
                return DropReason.PortZeroNotPersistent;
            }

            server = ScheduleLocked(service, inbound.Flow);
            if (server is null)
            {
                // No destination: the caller leaves (ip_vs_leave, PacketProcessor.Leave.cs).
                return DropReason.NoRealServer;
            }
        }

        forwarder = Forwarders.For(server!.Method);
        if (forwarder is null)
        {
            return DropReason.ForwardingMethodNotSupported;
        }

        // NAT and FULLNAT keep the entry even with -o: their replies need it to be translated
        // back (the kernel leaves one-packet connections unhashed, so its NAT replies find none).
        if ((service.Flags & ServiceFlags.OnePacket) == 0 || inbound.Flow.Protocol != IpProtocols.Udp
            || forwarder.Method is ForwardingMethod.Masquerade or ForwardingMethod.FullNat)
        {
            index = Connections.Add(inbound.Flow, server, forwarder, service.Stats, nowMs, template);
            if (index < 0)
            {
                return DropReason.ConnectionTableFull;
            }

            Counters.CountConnectionCreated();
        }

        // ip_vs_conn_put(ct): the template's timer starts over.
        if (template >= 0)
        {
            Connections.TouchTemplate(template, service.PersistenceTimeoutMs, nowMs);
        }

        // ip_vs_conn_stats
        server.Stats.CountConnection(_shared);
        service.Stats.CountConnection(_shared);
        Counters.Totals.CountConnection(_shared);
        return DropReason.None;
    }

    /// <summary>
    /// The scheduler's pick. Alone, the worker is its only caller; with several workers, the
    /// scheduler's state (rr/wrr position, lblc tables, a random source) is taken under its
    /// lock, once per new connection, as ip_vs_rr_schedule and others take svc->sched_lock.
    /// </summary>
    private RealServer? ScheduleLocked(VirtualService service, in FlowKey flow)
    {
        if (!_shared)
        {
            return service.Scheduler.Schedule(service, flow);
        }

        lock (service.Scheduler)
        {
            return service.Scheduler.Schedule(service, flow);
        }
    }

    /// <summary>tcp_conn_schedule's test: a SYN, or any segment with sloppy_tcp; never an RST.</summary>
    private static bool CanSchedule(byte tcpFlags, IpvsTunables tunables) =>
        ((tcpFlags & (byte)TcpFlags.Syn) != 0 || tunables.SloppyTcp != 0) && (tcpFlags & (byte)TcpFlags.Rst) == 0;

    /// <summary>
    /// ip_vs_in: with expire_nodest_conn a SYN leaves a quiesced (weight 0) real server;
    /// otherwise is_new_conn_expected: an uncontrolled connection in TIME_WAIT or CLOSE, or
    /// (conn_reuse_mode bit 1) in FIN_WAIT without a reply seen.
    /// </summary>
    private static bool ShouldReschedule(ref ConnectionEntry entry, IpvsTunables tunables)
    {
        if (tunables.ExpireNodestConn != 0 && entry.Server is { Weight: 0 })
        {
            return true;
        }

        if (entry.Control != 0)
        {
            return false;
        }

        return entry.State is TcpState.TimeWait or TcpState.Close
            || ((tunables.ConnReuseMode & 2) != 0 && entry.State == TcpState.FinWait
                && (entry.Flags & ConnectionFlags.NoOutput) != 0);
    }
}
