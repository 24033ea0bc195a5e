namespace SharpLvs.Packets;

/// <summary>
/// Builds whole frames (Ethernet, optional 802.1Q tag, IPv4 or IPv6 by the address family,
/// transport, payload) with every checksum right, into a new array. It allocates and throws
/// on misuse: for tests, tools and the control plane, never the data path.
/// </summary>
public static class FrameBuilder
{
    public static byte[] Tcp(MacAddress dstMac, MacAddress srcMac, InetAddress src, ushort sport, InetAddress dst, ushort dport,
        TcpFlags flags, ReadOnlySpan<byte> payload = default, uint seq = 1, uint ack = 0, ushort vlan = 0, byte ttl = 64)
    {
        var transportLength = TcpHeader.MinHeaderLength + payload.Length;
        var frame = StartIp(dstMac, srcMac, src, dst, IpProtocols.Tcp, transportLength, vlan, ttl, out var transport);
        PacketWriter.WriteTcp(frame.AsSpan(transport), sport, dport, seq, ack, flags);
        payload.CopyTo(frame.AsSpan(transport + TcpHeader.MinHeaderLength));
        Checksum.ComputeTransport(frame.AsSpan(transport), src, dst, IpProtocols.Tcp, TcpHeader.ChecksumOffset);
        return frame;
    }

    public static byte[] Udp(MacAddress dstMac, MacAddress srcMac, InetAddress src, ushort sport, InetAddress dst, ushort dport,
        ReadOnlySpan<byte> payload = default, ushort vlan = 0, byte ttl = 64)
    {
        var transportLength = UdpHeader.HeaderLength + payload.Length;
        var frame = StartIp(dstMac, srcMac, src, dst, IpProtocols.Udp, transportLength, vlan, ttl, out var transport);
        PacketWriter.WriteUdp(frame.AsSpan(transport), sport, dport, payload.Length);
        payload.CopyTo(frame.AsSpan(transport + UdpHeader.HeaderLength));
        Checksum.ComputeTransport(frame.AsSpan(transport), src, dst, IpProtocols.Udp, UdpHeader.ChecksumOffset);
        return frame;
    }

    /// <summary>An ICMP (IPv4) or ICMPv6 (IPv6) echo request, or reply when <paramref name="reply"/> is set.</summary>
    public static byte[] IcmpEcho(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst,
        ushort identifier, ushort sequence, ReadOnlySpan<byte> payload = default, bool reply = false, ushort vlan = 0)
    {
        var v4 = src.IsIPv4;
        var type = v4
            ? (reply ? IcmpTypes.EchoReply : IcmpTypes.EchoRequest)
            : (reply ? Icmpv6Types.EchoReply : Icmpv6Types.EchoRequest);
        return Icmp(dstMac, srcMac, src, dst, type, 0, ((uint)identifier << 16) | sequence, payload, vlan);
    }

    /// <summary>Any ICMP/ICMPv6 message; <paramref name="rest"/> is header bytes 4..8, <paramref name="body"/> what follows.</summary>
    public static byte[] Icmp(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst,
        byte type, byte code, uint rest, ReadOnlySpan<byte> body = default, ushort vlan = 0, byte ttl = 64)
    {
        var v4 = src.IsIPv4;
        var protocol = v4 ? IpProtocols.Icmp : IpProtocols.Icmpv6;
        var transportLength = IcmpHeader.HeaderLength + body.Length;
        var frame = StartIp(dstMac, srcMac, src, dst, protocol, transportLength, vlan, ttl, out var transport);
        var message = frame.AsSpan(transport);
        PacketWriter.WriteIcmp(message, type, code, rest);
        body.CopyTo(message[IcmpHeader.HeaderLength..]);
        if (v4)
        {
            // ICMPv4 has no pseudo-header (RFC 792).
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(message[IcmpHeader.ChecksumOffset..], Checksum.Compute(message));
        }
        else
        {
            Checksum.ComputeTransport(message, src, dst, protocol, Icmpv6Header.ChecksumOffset);
        }

        return frame;
    }

    /// <summary>A broadcast "who has <paramref name="targetIp"/>, tell <paramref name="senderIp"/>" (RFC 826).</summary>
    public static byte[] ArpRequest(MacAddress senderMac, InetAddress senderIp, InetAddress targetIp, ushort vlan = 0)
    {
        var header = EthernetLength(vlan);
        var frame = new byte[header + ArpPacket.Length];
        PacketWriter.WriteEthernet(frame, MacAddress.Broadcast, senderMac, EtherTypes.Arp, vlan);
        ArpPacket.Write(frame.AsSpan(header), ArpPacket.OperationRequest, senderMac, senderIp, default, targetIp);
        return frame;
    }

    /// <summary>An ARP reply from <paramref name="senderMac"/>/<paramref name="senderIp"/> to the target.</summary>
    public static byte[] ArpReply(MacAddress senderMac, InetAddress senderIp, MacAddress targetMac, InetAddress targetIp, ushort vlan = 0)
    {
        var header = EthernetLength(vlan);
        var frame = new byte[header + ArpPacket.Length];
        PacketWriter.WriteEthernet(frame, targetMac, senderMac, EtherTypes.Arp, vlan);
        ArpPacket.Write(frame.AsSpan(header), ArpPacket.OperationReply, senderMac, senderIp, targetMac, targetIp);
        return frame;
    }

    /// <summary>
    /// An IP packet with an arbitrary payload (for protocols without a builder, or malformed
    /// transport headers in tests); no transport checksum is computed.
    /// </summary>
    public static byte[] Ip(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst, byte protocol,
        ReadOnlySpan<byte> payload, ushort vlan = 0, byte ttl = 64)
    {
        var frame = StartIp(dstMac, srcMac, src, dst, protocol, payload.Length, vlan, ttl, out var transport);
        payload.CopyTo(frame.AsSpan(transport));
        return frame;
    }

    private static int EthernetLength(ushort vlan) =>
        EthernetFrame.MinHeaderLength + (vlan == 0 ? 0 : EthernetFrame.VlanTagLength);

    private static byte[] StartIp(MacAddress dstMac, MacAddress srcMac, InetAddress src, InetAddress dst, byte protocol,
        int transportLength, ushort vlan, byte ttl, out int transportOffset)
    {
        if (src.IsIPv4 != dst.IsIPv4)
        {
            throw new ArgumentException("source and destination must be of one address family", nameof(dst));
        }

        var ipHeader = src.IsIPv4 ? Ipv4Header.MinHeaderLength : Ipv6Header.HeaderLength;
        var maxTransport = src.IsIPv4 ? ushort.MaxValue - ipHeader : ushort.MaxValue;
        if (transportLength > maxTransport)
        {
            throw new ArgumentException("payload too large for one IP packet", nameof(transportLength));
        }

        var ethernet = EthernetLength(vlan);
        var frame = new byte[ethernet + ipHeader + transportLength];
        PacketWriter.WriteEthernet(frame, dstMac, srcMac, src.IsIPv4 ? EtherTypes.Ipv4 : EtherTypes.Ipv6, vlan);
        PacketWriter.WriteIp(frame.AsSpan(ethernet), src, dst, protocol, transportLength, ttl);
        transportOffset = ethernet + ipHeader;
        return frame;
    }
}
