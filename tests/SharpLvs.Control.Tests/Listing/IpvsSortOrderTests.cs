using SharpLvs.Control.Listing;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Listing;

public class IpvsSortOrderTests
{
    [Fact]
    public void CompareAddresses_WrapsAsSigned32Bit()
    {
        // 0xCFAF2C6E - 0x0A000001 = 0xC5AF2C6D, negative as int.
        Assert.True(IpvsSortOrder.CompareAddresses(InetAddress.Parse("207.175.44.110"), InetAddress.Parse("10.0.0.1")) < 0);
        Assert.True(IpvsSortOrder.CompareAddresses(InetAddress.Parse("10.0.0.2"), InetAddress.Parse("10.0.0.1")) > 0);
    }

    [Fact]
    public void Sort_IsStableMergeSort()
    {
        var items = new[] { (3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e') };

        IpvsSortOrder.Sort(items, (x, y) => x.Item1 - y.Item1);

        Assert.Equal([(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')], items);
    }

    [Fact]
    public void Sort_NonTransitiveOrder_FollowsGlibcMergeSteps()
    {
        // a=0x00000000, b=0x70000000, c=0xE0000000: a<b, b<c, but c<a when the difference wraps.
        var a = InetAddress.FromV4(0);
        var b = InetAddress.FromV4(0x7000_0000);
        var c = InetAddress.FromV4(0xE000_0000);
        var items = new[] { c, b, a };

        IpvsSortOrder.Sort(items, IpvsSortOrder.CompareAddresses);

        // msort: [c] | [b, a] → [a, b]; merge c vs a: c-a wraps negative, c first; then a, b.
        Assert.Equal([c, a, b], items);
    }
}
