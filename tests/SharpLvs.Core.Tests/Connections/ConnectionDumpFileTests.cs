using System.Buffers.Binary;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Connections;

public class ConnectionDumpFileTests
{
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Rip = InetAddress.Parse("198.18.1.21");

    private static SavedConnection[] Sample() =>
    [
        // A persistence template (client port 0), then a DR connection it controls.
        new(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80), new ServiceKey(IpProtocols.Tcp, Vip, 80), Rip, 80,
            ForwardingMethod.DirectRouting, TcpState.None, SavedConnectionFlags.Template | SavedConnectionFlags.ExpireLater, 299_500, -1, default, default),
        new(new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80), new ServiceKey(IpProtocols.Tcp, Vip, 80), Rip, 80,
            ForwardingMethod.DirectRouting, TcpState.Established, SavedConnectionFlags.NoOutput, 899_000, 0, default, default),
        // NAT over IPv6 with its reply flow.
        new(new FlowKey(IpProtocols.Udp, InetAddress.Parse("fd00:198:18::100"), 5353, InetAddress.Parse("fd00:198:18::10"), 53),
            new ServiceKey(IpProtocols.Udp, InetAddress.Parse("fd00:198:18::10"), 53), InetAddress.Parse("fd00:198:18:1::1"), 5300,
            ForwardingMethod.Masquerade, TcpState.None, SavedConnectionFlags.Inactive | SavedConnectionFlags.ReplyKey, 1_000, -1,
            new FlowKey(IpProtocols.Udp, InetAddress.Parse("fd00:198:18:1::1"), 5300, InetAddress.Parse("fd00:198:18::100"), 5353), default),
        // FULLNAT with its local address, on a fwmark service.
        new(new FlowKey(IpProtocols.Tcp, Client, 40001, Vip, 443), new ServiceKey(0, InetAddress.FromV4(0), 0, 7), Rip, 0,
            ForwardingMethod.FullNat, TcpState.FinWait, SavedConnectionFlags.ReplyKey | SavedConnectionFlags.LocalAddress, 120_000, -1,
            new FlowKey(IpProtocols.Tcp, Rip, 443, InetAddress.Parse("198.18.1.250"), 6001), InetAddress.Parse("198.18.1.250")),
    ];

    [Fact]
    public void WriteThenRead_EveryKindOfEntry_RoundTripsExactly()
    {
        var saved = Sample();

        var dump = ConnectionDumpFile.Read(ConnectionDumpFile.Write(saved, 1_700_000_000_123, 42));

        Assert.Equal(1_700_000_000_123, dump.WrittenAtUnixMs);
        Assert.Equal(42UL, dump.NamespaceCookie);
        Assert.Equal(saved, dump.Connections);
        Assert.True(dump.Connections[2].Key.Source.IsIPv4 == false && dump.Connections[0].Key.Source.IsIPv4);
    }

    [Fact]
    public void WriteThenRead_NoEntries_RoundTrips()
    {
        var bytes = ConnectionDumpFile.Write([], 5, 0);

        Assert.Equal(ConnectionDumpFile.HeaderSize + 4, bytes.Length);
        Assert.Empty(ConnectionDumpFile.Read(bytes).Connections);
    }

    public static TheoryData<string, int> Corruptions => new()
    {
        // description, byte offset to flip (negative: from the end)
        { "magic", 0 },
        { "count", 12 },
        { "a record's address", ConnectionDumpFile.HeaderSize + 5 },
        { "a record's remaining time", ConnectionDumpFile.HeaderSize + ConnectionDumpFile.RecordSize + 85 },
        { "the checksum", -1 },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Read_OneByteChanged_RefusedWhole(string what, int offset)
    {
        var bytes = ConnectionDumpFile.Write(Sample(), 1, 1);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x40;

        var e = Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(bytes));
        Assert.False(string.IsNullOrEmpty(e.Message), what);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(ConnectionDumpFile.HeaderSize)]
    [InlineData(ConnectionDumpFile.HeaderSize + ConnectionDumpFile.RecordSize)]
    public void Read_Truncated_Refused(int length)
    {
        var bytes = ConnectionDumpFile.Write(Sample(), 1, 1);

        Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void Read_OtherVersion_RefusedSayingSo()
    {
        var bytes = ConnectionDumpFile.Write(Sample(), 1, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 99);

        var e = Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(bytes));
        Assert.Contains("version 99", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, -2)]   // template index out of range
    [InlineData(1, 1)]    // a connection naming itself as its template
    public void Read_ValidChecksumButBadTemplateLink_Refused(int entry, int template)
    {
        var saved = Sample();
        saved[Math.Min(entry, saved.Length - 1)] = saved[Math.Min(entry, saved.Length - 1)] with { Template = template };

        Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(ConnectionDumpFile.Write(saved, 1, 1)));
    }

    [Fact]
    public void Read_ValidChecksumButUnknownMethodOrFlags_Refused()
    {
        var badMethod = Sample();
        badMethod[1] = badMethod[1] with { Method = (ForwardingMethod)200 };
        var badFlags = Sample();
        badFlags[1] = badFlags[1] with { Flags = (SavedConnectionFlags)0x80 };
        var negative = Sample();
        negative[1] = negative[1] with { RemainingMs = -1 };

        Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(ConnectionDumpFile.Write(badMethod, 1, 1)));
        Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(ConnectionDumpFile.Write(badFlags, 1, 1)));
        Assert.Throws<InvalidDataException>(() => ConnectionDumpFile.Read(ConnectionDumpFile.Write(negative, 1, 1)));
    }

    [Fact]
    public void Read_RandomBytes_NeverAnythingButInvalidData()
    {
        var random = new Random(7);
        var valid = ConnectionDumpFile.Write(Sample(), 1, 1);
        for (var i = 0; i < 200; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            bytes = bytes[..random.Next(bytes.Length + 1)];
            try
            {
                ConnectionDumpFile.Read(bytes);
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}
