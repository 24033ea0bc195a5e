using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

/// <summary>The hot-path promise (DESIGN "Rules of the house"): parsing and rewriting allocate nothing.</summary>
public class AllocationTests
{
    [Fact]
    public void ParseAndRewrite_ManyFrames_AllocatesNothing()
    {
        var tcp4 = FrameBuilder.Tcp(DirectorMac, ClientMac, Client4, 40000, Vip4, 80, TcpFlags.Syn, vlan: 3);
        var udp6 = FrameBuilder.Udp(DirectorMac, ClientMac, Client6, 5353, Vip6, 53, new byte[64]);
        var arp = FrameBuilder.ArpRequest(ClientMac, Client4, Vip4);

        var sink = Work(tcp4, udp6, arp, 1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        sink += Work(tcp4, udp6, arp, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }

    private static long Work(byte[] tcp4, byte[] udp6, byte[] arp, int rounds)
    {
        long sink = 0;
        for (var i = 0; i < rounds; i++)
        {
            if (EthernetFrame.TryParse(tcp4, out var eth)
                && Ipv4Header.TryParse(eth.Payload, out var ip) == Ipv4ParseResult.Ok
                && TcpHeader.TryParse(ip.Payload, out var tcp) == TransportParseResult.Ok)
            {
                var old = ip.Destination;
                ip.Destination = InetAddress.FromV4(old.V4 + 1);
                tcp.Checksum = Checksum.UpdateAddress(tcp.Checksum, old, ip.Destination);
                ip.Destination = old;
                eth.Destination = eth.Source;
                sink += tcp.DestinationPort + (ip.IsHeaderChecksumValid ? 1 : 0);
            }

            if (EthernetFrame.TryParse(udp6, out eth)
                && Ipv6Header.TryParse(eth.Payload, out var ip6) == Ipv6ParseResult.Ok
                && ip6.TrySkipExtensionHeaders(out var upper)
                && UdpHeader.TryParse(ip6.Payload[upper.Offset..], out var udp) == TransportParseResult.Ok)
            {
                Checksum.CompletePartial(udp6, eth.HeaderLength + Ipv6Header.HeaderLength, UdpHeader.ChecksumOffset);
                sink += udp.SourcePort + Checksum.Fold(Checksum.PseudoHeaderSum(ip6.Source, ip6.Destination, upper.Protocol, udp.Length));
            }

            if (EthernetFrame.TryParse(arp, out eth) && ArpPacket.TryParse(eth.Payload, out var request))
            {
                request.TurnIntoReply(DirectorMac);
                request.TurnIntoReply(ClientMac);
                sink += request.Operation;
            }
        }

        return sink;
    }
}
