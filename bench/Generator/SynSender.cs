using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// TCP SYNs from many clients through raw AF_PACKET (PACKET_QDISC_BYPASS): every frame is a
/// new connection for a director. Sources walk 198.18.128.0/17 (32768 addresses) first, then
/// the source port (from 1024), so <c>--sources</c> distinct clients are offered before the
/// first repeats. Frames are rewritten in place per batch: address, port, IP and TCP checksums.
/// </summary>
internal sealed unsafe class SynSender : ISender
{
    public const int FrameLength = 14 + 20 + 20;
    private const int Stride = 64;
    private const uint SourceBase = (198u << 24) | (18u << 16) | (128u << 8);
    private const int SourceAddresses = 1 << 15;

    private readonly int _fd;
    private readonly int _sources;
    private readonly byte* _frames;
    private readonly Interop.IoVec* _iov;
    private readonly Interop.MMsgHdr* _messages;
    private int _next;

    public SynSender(Options options)
    {
        _sources = options.Sources;
        _next = options.SourceOffset % options.Sources;
        MaxBatch = options.Batch;
        var index = Interop.IfNameToIndex(options.Device);
        if (index == 0)
        {
            throw new InvalidOperationException($"no interface {options.Device}");
        }

        var srcMac = options.SrcMac.Length == 6 ? options.SrcMac : ReadMac(options.Device);
        _fd = Interop.Socket(Interop.AF_PACKET, Interop.SOCK_RAW, 0);
        Interop.Check(_fd, "socket(AF_PACKET)");
        var address = new Interop.SockAddrLl { Family = Interop.AF_PACKET, IfIndex = (int)index };
        Interop.Check(Interop.Bind(_fd, &address, (uint)sizeof(Interop.SockAddrLl)), "bind(AF_PACKET)");
        Interop.SetInt(_fd, Interop.SOL_PACKET, Interop.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
        Interop.SetInt(_fd, Interop.SOL_SOCKET, Interop.SO_SNDBUFFORCE, 4 << 20, "SO_SNDBUFFORCE");

        _frames = (byte*)NativeMemory.AlignedAlloc((nuint)(MaxBatch * Stride), 64);
        _iov = (Interop.IoVec*)NativeMemory.AllocZeroed((nuint)(MaxBatch * sizeof(Interop.IoVec)));
        _messages = (Interop.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(MaxBatch * sizeof(Interop.MMsgHdr)));
        var dst = options.Dst.GetAddressBytes();
        for (var i = 0; i < MaxBatch; i++)
        {
            var frame = new Span<byte>(_frames + (i * Stride), FrameLength);
            frame.Clear();
            options.DstMac.CopyTo(frame);
            srcMac.CopyTo(frame[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);
            var ip = frame.Slice(14, 20);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 40);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
            ip[8] = 64;
            ip[9] = 6;
            dst.CopyTo(ip[16..]);
            var tcp = frame.Slice(34, 20);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], options.Port);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 0x12345678);
            tcp[12] = 5 << 4;
            tcp[13] = 0x02; // SYN
            BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
            _iov[i].Base = _frames + (i * Stride);
            _iov[i].Length = FrameLength;
            _messages[i].Header.Iov = &_iov[i];
            _messages[i].Header.IovLength = 1;
        }
    }

    public int MaxBatch { get; }

    public int Send(int count)
    {
        count = Math.Min(count, MaxBatch);
        for (var i = 0; i < count; i++)
        {
            var n = (_next + i) % _sources;
            Stamp(new Span<byte>(_frames + (i * Stride), FrameLength), SourceBase + (uint)(n % SourceAddresses), (ushort)(1024 + (n / SourceAddresses)));
        }

        var sent = Interop.SendMMsg(_fd, _messages, (uint)count, 0);
        if (sent <= 0)
        {
            return 0;
        }

        _next = (_next + sent) % _sources;
        return sent;
    }

    private static void Stamp(Span<byte> frame, uint source, ushort port)
    {
        var ip = frame.Slice(14, 20);
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Fold(Sum(ip, 0)));
        var tcp = frame.Slice(34, 20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);

        // RFC 793 §3.1: the checksum covers the pseudo-header (addresses, protocol, length).
        var pseudo = Sum(ip.Slice(12, 8), 6u + 20u);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Fold(Sum(tcp, pseudo)));
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static byte[] ReadMac(string device)
    {
        var text = File.ReadAllText($"/sys/class/net/{device}/address").Trim();
        return [.. text.Split(':').Select(p => Convert.ToByte(p, 16))];
    }

    public void Dispose()
    {
        _ = Interop.Close(_fd);
        NativeMemory.AlignedFree(_frames);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_messages);
    }
}
