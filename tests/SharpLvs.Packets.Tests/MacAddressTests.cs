namespace SharpLvs.Packets.Tests;

public class MacAddressTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01", 0x020000000001UL)]
    [InlineData("ff:ff:ff:ff:ff:ff", 0xFFFFFFFFFFFFUL)]
    [InlineData("a:b:c:d:e:f", 0x0A0B0C0D0E0FUL)]
    public void TryParse_ColonHex_ReadsValue(string text, ulong value)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal(value, mac.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("02:00:00:00:00:xy")]
    [InlineData("02:00:00:00:00:123")]
    [InlineData("02::00:00:00:01")]
    public void TryParse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(MacAddress.TryParse(text, out _));
    }

    [Fact]
    public void ReadWriteToString_RoundTrip()
    {
        var mac = new MacAddress(0x0A1B2C3D4E5F);
        var bytes = new byte[6];
        mac.WriteTo(bytes);

        Assert.Equal(new byte[] { 0x0A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F }, bytes);
        Assert.Equal(mac, MacAddress.Read(bytes));
        Assert.Equal("0a:1b:2c:3d:4e:5f", mac.ToString());
    }

    [Fact]
    public void Constructor_MoreThan48Bits_KeepsLow48()
    {
        Assert.Equal(MacAddress.Broadcast, new MacAddress(ulong.MaxValue));
    }
}
