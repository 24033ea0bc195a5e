namespace SharpLvs.Packets.Tests;

public class InetAddressTests
{
    [Theory]
    [InlineData("198.18.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("fd00:198:18::1", false)]
    [InlineData("::", false)]
    public void Parse_ToString_RoundTrips(string text, bool isV4)
    {
        var address = InetAddress.Parse(text);
        Assert.Equal(isV4, address.IsIPv4);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.2")]
    [InlineData("1.2.3")]
    [InlineData("256.1.1.1")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("fd00::1::2")]
    public void TryParse_NotWhatInetPtonAccepts_ReturnsFalse(string? text)
    {
        Assert.False(InetAddress.TryParse(text, out _));
    }

    [Fact]
    public void V4_IsHostOrderAndWriteToIsNetworkOrder()
    {
        var address = InetAddress.Parse("198.18.1.2");
        Assert.Equal(0xC6120102u, address.V4);

        var bytes = new byte[16];
        Assert.Equal(4, address.WriteTo(bytes));
        Assert.Equal(new byte[] { 198, 18, 1, 2 }, bytes[..4]);
        Assert.Equal(address, InetAddress.FromV4(bytes));
    }

    [Fact]
    public void FromV6_WriteTo_RoundTrips()
    {
        var address = InetAddress.Parse("fd00:198:18::abcd");
        var bytes = new byte[16];
        Assert.Equal(16, address.WriteTo(bytes));
        Assert.Equal(address, InetAddress.FromV6(bytes));
        Assert.Equal(System.Net.IPAddress.Parse("fd00:198:18::abcd").GetAddressBytes(), bytes);
    }

    [Fact]
    public void Equality_SameAddressDifferentText_EqualAndSameHash()
    {
        var a = InetAddress.Parse("fd00:198:18:0::1");
        var b = InetAddress.Parse("fd00:198:18::0:1");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(InetAddress.Parse("198.18.0.1"), InetAddress.Parse("::198.18.0.1"));
    }
}
