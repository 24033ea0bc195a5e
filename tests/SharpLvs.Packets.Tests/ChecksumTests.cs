using System.Buffers.Binary;
using static SharpLvs.Packets.Tests.TestFrames;

namespace SharpLvs.Packets.Tests;

public class ChecksumTests
{
    // RFC 1071 §3 worked example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (folded).
    private static readonly byte[] Rfc1071Example = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];

    // A captured IPv4/UDP header (192.168.0.1 -> 192.168.0.199, TTL 64), checksum b861.
    private static readonly byte[] CapturedIpv4Header =
    [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xB8, 0x61,
        0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7,
    ];

    [Fact]
    public void Sum_Rfc1071Example_FoldsToDdf2()
    {
        Assert.Equal(0xDDF2, Checksum.Fold(Checksum.Sum(Rfc1071Example)));
        Assert.Equal(0x220D, Checksum.Compute(Rfc1071Example));
    }

    [Fact]
    public void Compute_CapturedIpv4HeaderWithFieldZeroed_GivesB861()
    {
        var header = (byte[])CapturedIpv4Header.Clone();
        header[10] = 0;
        header[11] = 0;
        Assert.Equal(0xB861, Checksum.Compute(header));
    }

    [Fact]
    public void Compute_CapturedIpv4HeaderWithChecksum_GivesZero()
    {
        Assert.Equal(0, Checksum.Compute(CapturedIpv4Header));
    }

    [Fact]
    public void Sum_EveryLengthUpTo300_MatchesWordByWordSum()
    {
        var random = new Random(1071);
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length + 3];
            random.NextBytes(data);

            // Unaligned starts too: the fast path reads unaligned.
            for (var start = 0; start < 3; start++)
            {
                var slice = data.AsSpan(start, length);
                Assert.Equal(NaiveFoldedSum(slice), Checksum.Fold(Checksum.Sum(slice)));
            }
        }
    }

    [Fact]
    public void Sum_AllOnes64K_DoesNotOverflow()
    {
        var data = new byte[65535];
        data.AsSpan().Fill(0xFF);
        Assert.Equal(NaiveFoldedSum(data), Checksum.Fold(Checksum.Sum(data, 0xFFFF_FFFF)));
    }

    [Fact]
    public void Sum_ChainedOverEvenPieces_EqualsSumOfWhole()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var data = new byte[random.Next(2, 200)];
            random.NextBytes(data);
            var split = random.Next(0, data.Length / 2) * 2;
            var initial = (uint)random.NextInt64(0, 1L << 32);
            var chained = Checksum.Sum(data.AsSpan(split), Checksum.Sum(data.AsSpan(0, split), initial));
            Assert.Equal(Checksum.Fold(Checksum.Add(Checksum.Sum(data), initial)), Checksum.Fold(chained));
        }
    }

    [Fact]
    public void Fold_CarriesTwice()
    {
        Assert.Equal(0xFFFF, Checksum.Fold(0xFFFF_FFFF));
        Assert.Equal(0x0001, Checksum.Fold(0x0001_0000));
        Assert.Equal(0xFFFF, Checksum.Fold(0xFFFE_0001));
        Assert.Equal(0, Checksum.Fold(0));
    }

    [Fact]
    public void PseudoHeaderSum_Ipv4_MatchesRfc793Layout()
    {
        Span<byte> pseudo = stackalloc byte[12];
        Client4.WriteTo(pseudo);
        Vip4.WriteTo(pseudo[4..]);
        pseudo[8] = 0;
        pseudo[9] = IpProtocols.Tcp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], 1460);

        Assert.Equal(NaiveFoldedSum(pseudo), Checksum.Fold(Checksum.PseudoHeaderSum(Client4, Vip4, IpProtocols.Tcp, 1460)));
    }

    [Fact]
    public void PseudoHeaderSum_Ipv6_MatchesRfc8200Layout()
    {
        Span<byte> pseudo = stackalloc byte[40];
        pseudo.Clear();
        Client6.WriteTo(pseudo);
        Vip6.WriteTo(pseudo[16..]);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[32..], 70000);
        pseudo[39] = IpProtocols.Udp;

        Assert.Equal(NaiveFoldedSum(pseudo), Checksum.Fold(Checksum.PseudoHeaderSum(Client6, Vip6, IpProtocols.Udp, 70000)));
    }

    // Golden values computed independently (Python, word by word) for these exact datagrams.
    [Theory]
    [InlineData("198.18.0.1", "198.18.1.2", 0x9264)]
    [InlineData("fd00:198:18::1", "fd00:198:18::2", 0x2228)]
    public void ComputeTransport_KnownUdpDatagram_MatchesGolden(string src, string dst, int expected)
    {
        // sport 40000, dport 53, length 13, payload "hello".
        var udp = Hex("9C40 0035 000D 0000 68656C6C6F");
        Assert.True(Checksum.ComputeTransport(udp, InetAddress.Parse(src), InetAddress.Parse(dst), IpProtocols.Udp, UdpHeader.ChecksumOffset));
        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(6)));
        Assert.True(Checksum.VerifyTransport(udp, InetAddress.Parse(src), InetAddress.Parse(dst), IpProtocols.Udp));
    }

    [Fact]
    public void ComputeTransport_KnownTcpSyn_MatchesGolden()
    {
        var tcp = new byte[20];
        PacketWriter.WriteTcp(tcp, 12345, 80, 1, 0, TcpFlags.Syn);
        Checksum.ComputeTransport(tcp, Client4, Vip4, IpProtocols.Tcp, TcpHeader.ChecksumOffset);
        Assert.Equal(0xF230, BinaryPrimitives.ReadUInt16BigEndian(tcp.AsSpan(16)));
    }

    [Theory]
    [InlineData(IpProtocols.Udp, 0xFFFF)]
    [InlineData(IpProtocols.Tcp, 0x0000)]
    public void ComputeTransport_SumIsAllOnes_UdpSendsFfffTcpSendsZero(byte protocol, int expected)
    {
        // Pick the last payload word so the whole sum folds to 0xFFFF: the checksum is then 0.
        var segment = new byte[24];
        new Random(3).NextBytes(segment);
        segment[22] = 0;
        segment[23] = 0;
        segment[6] = 0;
        segment[7] = 0;
        segment[16] = 0;
        segment[17] = 0;
        var sum = Checksum.Fold(Checksum.Sum(segment, Checksum.PseudoHeaderSum(Client4, Vip4, protocol, segment.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(22), (ushort)(0xFFFF - sum));

        var fieldOffset = protocol == IpProtocols.Udp ? UdpHeader.ChecksumOffset : TcpHeader.ChecksumOffset;
        Checksum.ComputeTransport(segment, Client4, Vip4, protocol, fieldOffset);

        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(fieldOffset)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7)]
    [InlineData(100)]
    public void ComputeTransport_FieldOutsideSegment_ReturnsFalse(int offset)
    {
        Assert.False(Checksum.ComputeTransport(new byte[8], Client4, Vip4, IpProtocols.Udp, offset));
    }

    [Fact]
    public void UpdateWord_RandomChanges_EqualsRecomputation()
    {
        var random = new Random(1624);
        var header = new byte[20];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(header);
            header[0] = 0x45; // a real header always has a non-zero word, as RFC 1624 §3 assumes
            header[10] = 0;
            header[11] = 0;
            var checksum = Checksum.Compute(header);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), checksum);

            var at = random.Next(0, 10) * 2;
            if (at == 10)
            {
                continue;
            }

            var oldWord = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(at));
            var newWord = (ushort)(i % 7 == 0 ? random.Next(0, 2) * 0xFFFF : random.Next(0, 0x10000));
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(at), newWord);
            var incremental = Checksum.UpdateWord(checksum, oldWord, newWord);

            header[10] = 0;
            header[11] = 0;
            Assert.Equal(Checksum.Compute(header), incremental);
        }
    }

    [Fact]
    public void UpdateDoubleWord_RandomChanges_EqualsRecomputation()
    {
        var random = new Random(2);
        var header = new byte[20];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(header);
            header[0] = 0x45;
            header[10] = 0;
            header[11] = 0;
            var checksum = Checksum.Compute(header);

            var at = random.Next(0, 2) == 0 ? 12 : 16;
            var oldValue = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(at));
            var newValue = i % 5 == 0 ? 0xFFFF_FFFFu * (uint)random.Next(0, 2) : (uint)random.NextInt64(0, 1L << 32);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(at), newValue);

            Assert.Equal(Checksum.Compute(header), Checksum.UpdateDoubleWord(checksum, oldValue, newValue));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UpdateAddress_RandomTcpDestinationChanges_EqualsRecomputation(bool ipv6)
    {
        var random = new Random(ipv6 ? 6 : 4);
        var segment = new byte[40];
        for (var i = 0; i < 5_000; i++)
        {
            random.NextBytes(segment);
            var src = RandomAddress(random, ipv6);
            var oldDst = RandomAddress(random, ipv6);
            var newDst = RandomAddress(random, ipv6);
            Checksum.ComputeTransport(segment, src, oldDst, IpProtocols.Tcp, TcpHeader.ChecksumOffset);
            var before = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(16));

            var incremental = Checksum.UpdateAddress(before, oldDst, newDst);

            Checksum.ComputeTransport(segment, src, newDst, IpProtocols.Tcp, TcpHeader.ChecksumOffset);
            Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(16)), incremental);
        }
    }

    [Theory]
    [InlineData(false, IpProtocols.Tcp, 0)]
    [InlineData(false, IpProtocols.Tcp, 1)]
    [InlineData(false, IpProtocols.Udp, 1399)]
    [InlineData(true, IpProtocols.Tcp, 1000)]
    [InlineData(true, IpProtocols.Udp, 33)]
    public void CompletePartial_KernelStylePartialFrame_EqualsFullComputation(bool ipv6, byte protocol, int payloadLength)
    {
        var payload = new byte[payloadLength];
        new Random(payloadLength).NextBytes(payload);
        var (src, dst) = ipv6 ? (Client6, Vip6) : (Client4, Vip4);
        var frame = protocol == IpProtocols.Tcp
            ? FrameBuilder.Tcp(DirectorMac, ClientMac, src, 40000, dst, 80, TcpFlags.Ack | TcpFlags.Psh, payload, vlan: 7)
            : FrameBuilder.Udp(DirectorMac, ClientMac, src, 40000, dst, 53, payload, vlan: 7);
        var checksumStart = 18 + (ipv6 ? 40 : 20);
        var checksumOffset = protocol == IpProtocols.Tcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset;
        var field = frame.AsSpan(checksumStart + checksumOffset, 2);
        var expected = BinaryPrimitives.ReadUInt16BigEndian(field);

        // What tcp_v4_send_check / udp4_hwcsum leave for the device: ~csum_*_magic(..., 0).
        var transportLength = frame.Length - checksumStart;
        BinaryPrimitives.WriteUInt16BigEndian(field, Checksum.Fold(Checksum.PseudoHeaderSum(src, dst, protocol, transportLength)));

        Assert.True(Checksum.CompletePartial(frame, checksumStart, checksumOffset));
        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(field));
    }

    [Fact]
    public void CompletePartial_ChecksumWouldBeZero_StoresFfffAsTheKernelDoes()
    {
        var datagram = new byte[12];
        PacketWriter.WriteUdp(datagram, 40000, 53, 4);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(6), Checksum.Fold(Checksum.PseudoHeaderSum(Client4, Vip4, IpProtocols.Udp, 12)));
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), (ushort)(0xFFFF - Checksum.Fold(Checksum.Sum(datagram))));

        Assert.True(Checksum.CompletePartial(datagram, 0, UdpHeader.ChecksumOffset));

        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6)));
        Assert.True(Checksum.VerifyTransport(datagram, Client4, Vip4, IpProtocols.Udp));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UpdatePartialAddress_PartialFrameNatted_CompletesToValidChecksum(bool ipv6)
    {
        var random = new Random(ipv6 ? 60 : 40);
        for (var i = 0; i < 2_000; i++)
        {
            var payload = new byte[random.Next(0, 200)];
            random.NextBytes(payload);
            var src = RandomAddress(random, ipv6);
            var oldDst = RandomAddress(random, ipv6);
            var newDst = RandomAddress(random, ipv6);
            var segment = new byte[20 + payload.Length];
            PacketWriter.WriteTcp(segment, 40000, 80, 1, 0, TcpFlags.Ack);
            payload.CopyTo(segment.AsSpan(20));
            var field = segment.AsSpan(TcpHeader.ChecksumOffset, 2);
            var partial = Checksum.Fold(Checksum.PseudoHeaderSum(src, oldDst, IpProtocols.Tcp, segment.Length));

            var updated = Checksum.UpdatePartialAddress(partial, oldDst, newDst);

            Assert.Equal(Checksum.Fold(Checksum.PseudoHeaderSum(src, newDst, IpProtocols.Tcp, segment.Length)), updated);
            BinaryPrimitives.WriteUInt16BigEndian(field, updated);
            Assert.True(Checksum.CompletePartial(segment, 0, TcpHeader.ChecksumOffset));
            Assert.True(Checksum.VerifyTransport(segment, src, newDst, IpProtocols.Tcp));
        }
    }

    [Theory]
    [InlineData(-1, 16)]
    [InlineData(34, -2)]
    [InlineData(34, 25)]
    [InlineData(60, 0)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void CompletePartial_FieldOutsideFrame_ReturnsFalseAndLeavesFrame(int start, int offset)
    {
        var frame = new byte[60];
        new Random(9).NextBytes(frame);
        var copy = (byte[])frame.Clone();

        Assert.False(Checksum.CompletePartial(frame, start, offset));
        Assert.Equal(copy, frame);
    }

    private static InetAddress RandomAddress(Random random, bool ipv6) =>
        ipv6
            ? InetAddress.FromHalves((ulong)random.NextInt64(), (ulong)random.NextInt64())
            : InetAddress.FromV4((uint)random.NextInt64(0, 1L << 32));
}
