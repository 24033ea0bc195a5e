using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Netlink;

/// <summary>One message cut out of a netlink datagram.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(Interop.NlMsgHdr header, ReadOnlySpan<byte> payload)
    {
        Type = header.Type;
        Flags = header.Flags;
        Sequence = header.Sequence;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Sequence { get; }

    /// <summary>Everything after the 16-byte header: family struct, then attributes.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The family struct at the start of the payload, or false when the payload is too short.</summary>
    public bool TryReadFixed<T>(out T value, out RtAttributeReader attributes)
        where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (Payload.Length < size)
        {
            value = default;
            attributes = default;
            return false;
        }

        value = MemoryMarshal.Read<T>(Payload);
        attributes = new RtAttributeReader(Payload[Math.Min(Payload.Length, NetlinkMessageBuilder.Align(size))..]);
        return true;
    }
}

/// <summary>
/// Walks the messages of one netlink datagram (NLMSG_OK / NLMSG_NEXT); stops at the first
/// malformed length rather than trusting it.
/// </summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram) => _remaining = datagram;

    public bool TryRead(out NetlinkMessage message)
    {
        message = default;
        var headerSize = NetlinkMessageBuilder.HeaderSize;
        if (_remaining.Length < headerSize)
        {
            return false;
        }

        var header = MemoryMarshal.Read<Interop.NlMsgHdr>(_remaining);
        if (header.Length < headerSize || header.Length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }

        message = new NetlinkMessage(header, _remaining[headerSize..(int)header.Length]);
        var next = NetlinkMessageBuilder.Align((int)header.Length);
        _remaining = next >= _remaining.Length ? default : _remaining[next..];
        return true;
    }
}

/// <summary>Walks rtattr type-length-values (RTA_OK / RTA_NEXT), 4-byte aligned.</summary>
internal ref struct RtAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public RtAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_remaining.Length < 4)
        {
            return false;
        }

        var length = MemoryMarshal.Read<ushort>(_remaining);
        if (length < 4 || length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }

        // The top two bits of the type are NLA_F_NESTED / NLA_F_NET_BYTEORDER, not part of it.
        type = (ushort)(MemoryMarshal.Read<ushort>(_remaining[2..]) & 0x3FFF);
        value = _remaining[4..length];
        var next = NetlinkMessageBuilder.Align(length);
        _remaining = next >= _remaining.Length ? default : _remaining[next..];
        return true;
    }
}
