namespace SharpLvs.Packets.Tests;

/// <summary>GUE headers as ipvs_gue_encap writes them and gue_udp_recv reads them.</summary>
public class GueHeaderTests
{
    [Fact]
    public void Write_Plain_FourBytesVersion0ProtocolNoFlags()
    {
        var d = new byte[12];

        Assert.Equal(4, GueHeader.Write(d, IpProtocols.Ipv6));
        Assert.Equal("00290000", Convert.ToHexString(d, 0, 4));
    }

    [Fact]
    public void Write_RemoteChecksum_PrivateFlagsAndStartOffset()
    {
        var d = new byte[12];

        Assert.Equal(12, GueHeader.Write(d, IpProtocols.IpIp, 20, 36));
        Assert.Equal("020400018000000000140024", Convert.ToHexString(d));
        Assert.True(GueHeader.TryParse(d, out var gue));
        Assert.Equal(12, gue.TotalLength);
        Assert.True(gue.TryGetRemoteChecksum(out var start, out var field));
        Assert.Equal((20, 36), (start, field));
    }

    [Fact]
    public void TryParse_Version1_PayloadIsTheIpPacket()
    {
        var packet = new byte[] { 0x45, 0, 0, 20 };

        Assert.True(GueHeader.TryParse(packet, out var gue));
        Assert.Equal(1, gue.Version);
        Assert.Equal(IpProtocols.IpIp, gue.Protocol);
        Assert.Equal(4, gue.Payload.Length);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("010400")]       // hlen 1 but only 3 bytes
    [InlineData("01040000")]     // hlen 1: 8 bytes needed
    public void TryParse_CutShort_False(string hex) => Assert.False(GueHeader.TryParse(Convert.FromHexString(hex), out _));

    [Fact]
    public void Write_TooSmallBuffer_Zero() => Assert.Equal(0, GueHeader.Write(new byte[8], IpProtocols.IpIp, 20, 36));
}
