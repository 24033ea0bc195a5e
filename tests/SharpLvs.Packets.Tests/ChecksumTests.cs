using System.Buffers.Binary;

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
}
