using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Netlink;

/// <summary>
/// Builds one netlink request (linux/netlink.h): a header, the family's fixed message, then
/// type-length-value attributes, each padded to 4 bytes (NLMSG_ALIGN / RTA_ALIGN):
/// <code>
///  +----------------+----------------+---------+-----+---------+-----+
///  | nlmsghdr (16)  | family struct  | rtattr  | pad | rtattr  | pad |
///  | len type flags |  (ifinfomsg,   | len type|     |  ...    |     |
///  | seq pid        |   rtmsg, ...)  | value   |     |         |     |
///  +----------------+----------------+---------+-----+---------+-----+
/// </code>
/// Fields are in host order, as the kernel reads them.
/// </summary>
internal sealed class NetlinkMessageBuilder
{
    private const int HeaderLength = 16;
    private const int AttributeHeaderLength = 4;
    private byte[] _buffer = new byte[256];
    private int _length;

    public NetlinkMessageBuilder(ushort type, ushort flags, uint sequence)
    {
        var header = new Interop.NlMsgHdr { Type = type, Flags = flags, Sequence = sequence };
        Append(ref header);
        Type = type;
        Sequence = sequence;
    }

    public ushort Type { get; }

    public uint Sequence { get; }

    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>The family's fixed-size message (ifinfomsg, rtmsg, ndmsg, ...), right after the header.</summary>
    public NetlinkMessageBuilder Append<T>(ref T value)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref value, 1));
        Write(bytes, Align(bytes.Length));
        return this;
    }

    public NetlinkMessageBuilder AddAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[AttributeHeaderLength];
        MemoryMarshal.Write(header, (ushort)(AttributeHeaderLength + value.Length));
        MemoryMarshal.Write(header[2..], type);
        Write(header, AttributeHeaderLength);
        Write(value, Align(value.Length));
        return this;
    }

    public NetlinkMessageBuilder AddAttribute(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        MemoryMarshal.Write(bytes, value);
        return AddAttribute(type, bytes);
    }

    /// <summary>An address attribute: 4 bytes for IPv4, 16 for IPv6, network order.</summary>
    public NetlinkMessageBuilder AddAttribute(ushort type, Packets.InetAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        var count = address.WriteTo(bytes);
        return AddAttribute(type, bytes[..count]);
    }

    /// <summary>The finished message with nlmsg_len filled in.</summary>
    public ReadOnlySpan<byte> Message
    {
        get
        {
            MemoryMarshal.Write(_buffer.AsSpan(), (uint)_length);
            return _buffer.AsSpan(0, _length);
        }
    }

    private void Write(ReadOnlySpan<byte> bytes, int paddedLength)
    {
        if (_length + paddedLength > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + paddedLength));
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _buffer.AsSpan(_length + bytes.Length, paddedLength - bytes.Length).Clear();
        _length += paddedLength;
    }

    internal static int HeaderSize => HeaderLength;
}
