namespace SharpLvs.Packets.Tests;

/// <summary>Addresses shared by the packet tests (TESTBED ranges only).</summary>
internal static class TestFrames
{
    public static readonly MacAddress ClientMac = new(0x02_00_00_00_00_01);
    public static readonly MacAddress DirectorMac = new(0x02_00_00_00_00_02);
    public static readonly InetAddress Client4 = InetAddress.Parse("198.18.0.1");
    public static readonly InetAddress Vip4 = InetAddress.Parse("198.18.1.2");
    public static readonly InetAddress Client6 = InetAddress.Parse("fd00:198:18::1");
    public static readonly InetAddress Vip6 = InetAddress.Parse("fd00:198:18::2");

    /// <summary>The sum of <paramref name="data"/> the slow way: RFC 1071 §4.1 word by word.</summary>
    public static ushort NaiveFoldedSum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }

    public static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));
}
