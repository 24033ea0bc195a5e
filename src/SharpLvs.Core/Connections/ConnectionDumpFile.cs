using System.Buffers.Binary;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Connections;

/// <summary>
/// lvsd's connection dump: what a clean stop leaves for the next start. Binary, little-endian,
/// fixed-size records, checked whole before anything is used:
/// <code>
/// "SLVSCONN" | version u32 | count u32 | written at, Unix ms i64 | netns cookie u64
/// count × record (RecordSize bytes, see WriteRecord)
/// CRC-32 (IEEE) of everything before it, u32
/// </code>
/// Addresses travel as their two 64-bit halves, so IPv4 and IPv6 round-trip exactly. Anything
/// that does not check out (short, wrong magic or version, bad checksum, a field out of
/// range) is refused as a whole with <see cref="InvalidDataException"/>: a half-read dump
/// never becomes half a table.
/// </summary>
public static class ConnectionDumpFile
{
    public const int Version = 1;
    public const int HeaderSize = 32;
    public const int RecordSize = 146;
    private const int FlowSize = 37;
    private static ReadOnlySpan<byte> Magic => "SLVSCONN"u8;

    /// <summary>The whole file for <paramref name="connections"/>.</summary>
    public static byte[] Write(IReadOnlyList<SavedConnection> connections, long writtenAtUnixMs, ulong namespaceCookie)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var data = new byte[HeaderSize + (connections.Count * RecordSize) + 4];
        var span = data.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)connections.Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], writtenAtUnixMs);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], namespaceCookie);
        for (var i = 0; i < connections.Count; i++)
        {
            WriteRecord(span.Slice(HeaderSize + (i * RecordSize), RecordSize), connections[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Crc32.Compute(span[..^4]));
        return data;
    }

    /// <summary>Reads a whole dump; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static ConnectionDump Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize + 4 || !data[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a connection dump (no SLVSCONN header)");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (version != Version)
        {
            throw new InvalidDataException($"connection dump version {version}, this lvsd reads version {Version}");
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        if ((ulong)data.Length != HeaderSize + ((ulong)count * RecordSize) + 4)
        {
            throw new InvalidDataException($"connection dump of {data.Length} bytes cannot hold the {count} entries it announces (truncated?)");
        }

        if (Crc32.Compute(data[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]))
        {
            throw new InvalidDataException("connection dump checksum mismatch (corrupt)");
        }

        var writtenAt = BinaryPrimitives.ReadInt64LittleEndian(data[16..]);
        var cookie = BinaryPrimitives.ReadUInt64LittleEndian(data[24..]);
        var connections = new SavedConnection[count];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = ReadRecord(data.Slice(HeaderSize + (i * RecordSize), RecordSize), i);
        }

        return new ConnectionDump(writtenAt, cookie, connections);
    }

    // Record layout: key (37) | service protocol u8, address 16, port u16, mark u32 (23) |
    // server address 16, port u16 (18) | method u8, state u8, flags u8 (3) | remaining ms i64 |
    // template i32 | reply key (37) | local address 16.
    private static void WriteRecord(Span<byte> r, in SavedConnection c)
    {
        WriteFlow(r, c.Key);
        r[37] = c.Service.Protocol;
        WriteAddress(r[38..], c.Service.Address);
        BinaryPrimitives.WriteUInt16LittleEndian(r[54..], c.Service.Port);
        BinaryPrimitives.WriteUInt32LittleEndian(r[56..], c.Service.FirewallMark);
        WriteAddress(r[60..], c.ServerAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(r[76..], c.ServerPort);
        r[78] = (byte)c.Method;
        r[79] = (byte)c.State;
        r[80] = (byte)c.Flags;
        BinaryPrimitives.WriteInt64LittleEndian(r[81..], c.RemainingMs);
        BinaryPrimitives.WriteInt32LittleEndian(r[89..], c.Template);
        WriteFlow(r[93..], c.ReplyKey);
        WriteAddress(r[130..], c.LocalAddress);
    }

    private static SavedConnection ReadRecord(ReadOnlySpan<byte> r, int index)
    {
        var method = (ForwardingMethod)r[78];
        var state = (TcpState)r[79];
        var flags = (SavedConnectionFlags)r[80];
        var remaining = BinaryPrimitives.ReadInt64LittleEndian(r[81..]);
        var template = BinaryPrimitives.ReadInt32LittleEndian(r[89..]);
        if (!Enum.IsDefined(method) || !Enum.IsDefined(state) || (flags & ~SavedConnectionFlags.All) != 0
            || remaining < 0 || template < -1 || template >= index)
        {
            throw new InvalidDataException($"connection dump entry {index} is malformed");
        }

        return new SavedConnection(
            ReadFlow(r),
            new ServiceKey(r[37], ReadAddress(r[38..]), BinaryPrimitives.ReadUInt16LittleEndian(r[54..]), BinaryPrimitives.ReadUInt32LittleEndian(r[56..])),
            ReadAddress(r[60..]),
            BinaryPrimitives.ReadUInt16LittleEndian(r[76..]),
            method,
            state,
            flags,
            remaining,
            template,
            ReadFlow(r[93..]),
            ReadAddress(r[130..]));
    }

    private static void WriteFlow(Span<byte> r, in FlowKey key)
    {
        r[0] = key.Protocol;
        WriteAddress(r[1..], key.Source);
        BinaryPrimitives.WriteUInt16LittleEndian(r[17..], key.SourcePort);
        WriteAddress(r[19..], key.Destination);
        BinaryPrimitives.WriteUInt16LittleEndian(r[35..], key.DestinationPort);
    }

    private static FlowKey ReadFlow(ReadOnlySpan<byte> r) => new(
        r[0],
        ReadAddress(r[1..]),
        BinaryPrimitives.ReadUInt16LittleEndian(r[17..]),
        ReadAddress(r[19..]),
        BinaryPrimitives.ReadUInt16LittleEndian(r[35..FlowSize]));

    private static void WriteAddress(Span<byte> r, InetAddress address)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(r, address.High);
        BinaryPrimitives.WriteUInt64LittleEndian(r[8..], address.Low);
    }

    private static InetAddress ReadAddress(ReadOnlySpan<byte> r) =>
        InetAddress.FromHalves(BinaryPrimitives.ReadUInt64LittleEndian(r), BinaryPrimitives.ReadUInt64LittleEndian(r[8..]));

    /// <summary>CRC-32 (IEEE 802.3, reflected, as zlib's crc32).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Build();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var crc = 0xFFFF_FFFFu;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return ~crc;
        }

        private static uint[] Build()
        {
            var table = new uint[256];
            for (var n = 0u; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}

/// <summary>A connection dump as read: when it was written (Unix ms), by which network namespace (cookie, 0 = unknown), and its entries.</summary>
public sealed record ConnectionDump(long WrittenAtUnixMs, ulong NamespaceCookie, IReadOnlyList<SavedConnection> Connections);
