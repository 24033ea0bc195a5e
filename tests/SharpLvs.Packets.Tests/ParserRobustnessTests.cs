using System.Buffers.Binary;

namespace SharpLvs.Packets.Tests;

/// <summary>Bad input never crashes anything: random and half-plausible frames through every view.</summary>
public class ParserRobustnessTests
{
    private static readonly ushort[] Types = [EtherTypes.Ipv4, EtherTypes.Ipv6, EtherTypes.Arp, EtherTypes.Vlan, EtherTypes.QinQ, 0x1234];
    private static readonly byte[] Protocols =
    [
        IpProtocols.Tcp, IpProtocols.Udp, IpProtocols.Icmp, IpProtocols.Icmpv6, IpProtocols.Ipv6HopByHop,
        IpProtocols.Ipv6Fragment, IpProtocols.Ipv6Routing, IpProtocols.Ipv6DestinationOptions, IpProtocols.Ah,
    ];

    [Fact]
    public void ParseChain_RandomFrames_NeverThrows()
    {
        var random = new Random(20240601);
        long touched = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var frame = new byte[random.Next(0, 160)];
            random.NextBytes(frame);
            MakePlausible(frame, random);
            touched += Walk(frame);
        }

        Assert.NotEqual(0, touched);
    }

    private static void MakePlausible(byte[] frame, Random random)
    {
        var at = 12;
        for (var tags = random.Next(0, 3); tags > 0 && frame.Length >= at + 4; tags--, at += 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), random.Next(2) == 0 ? EtherTypes.Vlan : EtherTypes.QinQ);
        }

        if (frame.Length < at + 2)
        {
            return;
        }

        var type = Types[random.Next(Types.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), type);
        var ip = at + 2;
        if (frame.Length <= ip + 9)
        {
            return;
        }

        var length = frame.Length - ip + random.Next(-4, 5);
        if (type == EtherTypes.Ipv4)
        {
            frame[ip] = (byte)(0x40 | random.Next(4, 8));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 2), (ushort)Math.Max(0, length));
            frame[ip + 9] = Protocols[random.Next(Protocols.Length)];
        }
        else if (type == EtherTypes.Ipv6)
        {
            frame[ip] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 4), (ushort)Math.Max(0, length - 40));
            frame[ip + 6] = Protocols[random.Next(Protocols.Length)];
        }
    }

    private static long Walk(Span<byte> frame)
    {
        if (!EthernetFrame.TryParse(frame, out var eth))
        {
            return 0;
        }

        long sum = eth.HeaderLength + eth.OuterVlanId + (long)eth.Source.Value;
        switch (eth.EtherType)
        {
            case EtherTypes.Arp when ArpPacket.TryParse(eth.Payload, out var arp):
                arp.TurnIntoReply(default);
                return sum + arp.Operation;

            case EtherTypes.Ipv4 when Ipv4Header.TryParse(eth.Payload, out var ip4) == Ipv4ParseResult.Ok:
                sum += ip4.Options.Length + ip4.FragmentOffset + (ip4.IsHeaderChecksumValid ? 1 : 0) + ip4.Source.V4;
                ip4.Destination = ip4.Source;
                _ = ip4.TryDecrementTtl();
                return sum + Transport(ip4.Payload, ip4.Protocol, ip4.Source, ip4.Destination);

            case EtherTypes.Ipv6 when Ipv6Header.TryParse(eth.Payload, out var ip6) == Ipv6ParseResult.Ok:
                sum += ip6.PayloadLength + ip6.FlowLabel;
                if (ip6.TrySkipExtensionHeaders(out var upper) && upper.HasUpperLayerHeader)
                {
                    sum += Transport(ip6.Payload[upper.Offset..], upper.Protocol, ip6.Source, ip6.Destination);
                }

                return sum;

            default:
                return sum;
        }
    }

    private static long Transport(Span<byte> segment, byte protocol, InetAddress src, InetAddress dst)
    {
        long sum = Checksum.VerifyTransport(segment, src, dst, protocol) ? 1 : 0;
        sum += Checksum.CompletePartial(segment, 0, 16) ? 1 : 0;
        if (TcpHeader.TryParse(segment, out var tcp) == TransportParseResult.Ok)
        {
            sum += tcp.Options.Length + tcp.Payload.Length + (byte)tcp.Flags;
        }

        if (UdpHeader.TryParse(segment, out var udp) == TransportParseResult.Ok)
        {
            sum += udp.Payload.Length;
        }

        if (IcmpHeader.TryParse(segment, out var icmp) == TransportParseResult.Ok)
        {
            sum += icmp.EmbeddedPacket.Length;
            if (Ipv4Header.TryParse(icmp.EmbeddedPacket, out var inner) == Ipv4ParseResult.Ok)
            {
                sum += inner.Payload.Length;
            }
        }

        if (Icmpv6Header.TryParse(segment, out var icmp6) == TransportParseResult.Ok)
        {
            sum += icmp6.EmbeddedPacket.Length + icmp6.Mtu;
        }

        return sum;
    }
}
