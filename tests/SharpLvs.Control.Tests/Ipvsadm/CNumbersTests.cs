using SharpLvs.Control.Ipvsadm;

namespace SharpLvs.Control.Tests.Ipvsadm;

public class CNumbersTests
{
    [Theory]
    [InlineData("5", true, 5)]
    [InlineData("+5", true, 5)]
    [InlineData(" 5", true, 5)]
    [InlineData("5 ", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("-", false, 0)]
    [InlineData("65535", true, 65535)]
    [InlineData("65536", false, 0)]
    [InlineData("99999999999999999999999", false, 0)]
    public void TryParseRange_StrtolRules(string text, bool ok, long value)
    {
        Assert.Equal(ok, CNumbers.TryParseRange(text, 0, 65535, out var parsed));
        if (ok)
        {
            Assert.Equal(value, parsed);
        }
    }

    [Theory]
    [InlineData("10.0.0.1", 0x0A000001u)]
    [InlineData("10.1", 0x0A000001u)]
    [InlineData("10.0.1", 0x0A000001u)]
    [InlineData("167772161", 0x0A000001u)]
    [InlineData("0x0a.0.0.01", 0x0A000001u)]
    [InlineData("255.255.255.0", 0xFFFFFF00u)]
    public void TryInetAton_AcceptsCForms(string text, uint expected)
    {
        Assert.True(CNumbers.TryInetAton(text, out var address));
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.")]
    [InlineData("09.1.1.1")]
    [InlineData("host")]
    [InlineData("")]
    public void TryInetAton_RejectsOthers(string text)
    {
        Assert.False(CNumbers.TryInetAton(text, out _));
    }
}
