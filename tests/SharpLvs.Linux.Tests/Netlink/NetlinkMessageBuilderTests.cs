using SharpLvs.Linux.Netlink;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Netlink;

public class NetlinkMessageBuilderTests
{
    [Fact]
    public void Message_RouteGetIpv4_MatchesGoldenBytes()
    {
        var builder = new NetlinkMessageBuilder(Native.RTM_GETROUTE, Native.NLM_F_REQUEST, sequence: 7);
        var rtm = new Native.RtMsg { Family = Native.AF_INET, DstLength = 32 };
        builder.Append(ref rtm).AddAttribute(Native.RTA_DST, InetAddress.Parse("198.18.0.2"));

        byte[] expected =
        [
            36, 0, 0, 0, 26, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, // nlmsghdr: len 36, RTM_GETROUTE, REQUEST, seq 7
            2, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,              // rtmsg: AF_INET, dst_len 32
            8, 0, 1, 0, 198, 18, 0, 2,                        // RTA_DST 198.18.0.2
        ];
        Assert.Equal(expected, builder.Message.ToArray());
    }

    [Fact]
    public void AddAttribute_OddLength_PadsToFourBytes()
    {
        var builder = new NetlinkMessageBuilder(Native.RTM_GETLINK, Native.NLM_F_REQUEST, sequence: 1);
        var info = new Native.IfInfoMsg();
        builder.Append(ref info).AddAttribute(Native.IFLA_IFNAME, "eth0\0"u8).AddAttribute(Native.IFLA_MTU, 1500u);

        var bytes = builder.Message.ToArray();
        Assert.Equal(16 + 16 + 12 + 8, bytes.Length);
        Assert.Equal(bytes.Length, BitConverter.ToInt32(bytes, 0));
        Assert.Equal(new byte[] { 9, 0, 3, 0, (byte)'e', (byte)'t', (byte)'h', (byte)'0', 0, 0, 0, 0 }, bytes[32..44]);
        Assert.Equal(new byte[] { 8, 0, 4, 0, 0xDC, 0x05, 0, 0 }, bytes[44..52]);
    }

    [Fact]
    public void AddAttribute_Ipv6Address_SixteenBytesNetworkOrder()
    {
        var builder = new NetlinkMessageBuilder(Native.RTM_GETNEIGH, Native.NLM_F_REQUEST, sequence: 1);
        var nd = new Native.NdMsg { Family = Native.AF_INET6, IfIndex = 3 };
        builder.Append(ref nd).AddAttribute(Native.NDA_DST, InetAddress.Parse("fd00:198:18::1"));

        var bytes = builder.Message.ToArray();
        Assert.Equal(16 + 12 + 20, bytes.Length);
        Assert.Equal(new byte[] { 10, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 }, bytes[16..28]);
        Assert.Equal(new byte[] { 20, 0, 1, 0, 0xfd, 0x00, 0x01, 0x98, 0x00, 0x18 }, bytes[28..38]);
        Assert.Equal(1, bytes[^1]);
    }
}
