using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket: requests with replies collected until the kernel says done
/// (NLMSG_DONE for dumps, NLMSG_ERROR for acks and failures). Control-plane only.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private const int ReplyTimeoutMs = 2000;
    private readonly FileDescriptorHandle _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Lock _lock = new();
    private uint _sequence = (uint)Environment.TickCount;

    public NetlinkSocket(uint groups = 0)
    {
        _socket = Interop.OpenSocket(Interop.AF_NETLINK, Interop.SOCK_RAW, Interop.NETLINK_ROUTE, "socket(AF_NETLINK)");
        var address = new Interop.SockAddrNl { Family = Interop.AF_NETLINK, Groups = groups };
        if (Interop.Bind(_socket.Fd, &address, sizeof(Interop.SockAddrNl)) != 0)
        {
            var errno = Interop.Errors.Last;
            _socket.Dispose();
            ThrowHelper.ThrowErrno("bind(AF_NETLINK)", errno);
        }
    }

    public int Fd => _socket.Fd;

    public uint NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>
    /// Sends <paramref name="request"/> and hands every reply message of the same sequence
    /// to <paramref name="onMessage"/>. Returns 0, or the negative errno the kernel answered with.
    /// </summary>
    public int Request(NetlinkMessageBuilder request, NetlinkMessageHandler onMessage)
    {
        lock (_lock)
        {
            var message = request.Message;
            var kernel = new Interop.SockAddrNl { Family = Interop.AF_NETLINK };
            fixed (byte* bytes = message)
            {
                if (Interop.SendTo(_socket.Fd, bytes, (nuint)message.Length, 0, &kernel, sizeof(Interop.SockAddrNl)) < 0)
                {
                    ThrowHelper.ThrowErrno($"netlink send (type {request.Type})", Interop.Errors.Last);
                }
            }

            while (true)
            {
                var datagram = ReceiveDatagram();
                var reader = new NetlinkMessageReader(datagram);
                while (reader.TryRead(out var reply))
                {
                    if (reply.Sequence != request.Sequence)
                    {
                        continue;
                    }

                    switch (reply.Type)
                    {
                        case Interop.NLMSG_DONE:
                            return 0;
                        case Interop.NLMSG_ERROR:
                            return reply.Payload.Length >= 4 ? MemoryMarshal.Read<int>(reply.Payload) : -Interop.Errors.EINVAL;
                        default:
                            onMessage(reply);
                            if ((reply.Flags & Interop.NLM_F_MULTI) == 0)
                            {
                                return 0;
                            }

                            break;
                    }
                }
            }
        }
    }

    private ReadOnlySpan<byte> ReceiveDatagram()
    {
        var poll = new Interop.PollFd { Fd = _socket.Fd, Events = Interop.POLLIN };
        if (Interop.Poll(&poll, 1, ReplyTimeoutMs) <= 0)
        {
            ThrowHelper.ThrowInvalidOperation("netlink: no reply from the kernel within 2 s");
        }

        fixed (byte* bytes = _buffer)
        {
            var received = Interop.Recv(_socket.Fd, bytes, (nuint)_buffer.Length, 0);
            if (received < 0)
            {
                ThrowHelper.ThrowErrno("netlink recv", Interop.Errors.Last);
            }

            return _buffer.AsSpan(0, (int)received);
        }
    }

    public void Dispose() => _socket.Dispose();
}

internal delegate void NetlinkMessageHandler(NetlinkMessage message);
