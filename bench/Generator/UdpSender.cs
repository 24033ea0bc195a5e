using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// One connected UDP socket per flow and sendmmsg per batch, rotating sockets between
/// batches. Frames cross the generator's own IP stack, so they reach the next hop with
/// the partial checksum a real client's offloads leave (TESTBED fact 1).
/// </summary>
internal sealed unsafe class UdpSender : ISender
{
    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly byte* _payload;
    private readonly Interop.IoVec* _iov;
    private readonly Interop.MMsgHdr* _messages;
    private int _next;

    public UdpSender(Options options)
    {
        MaxBatch = options.Batch;
        _sockets = new Socket[options.Flows];
        _fds = new int[options.Flows];
        for (var f = 0; f < options.Flows; f++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(options.Src, options.SrcPortBase + f));
            socket.Connect(new IPEndPoint(options.Dst, options.Port));
            _sockets[f] = socket;
            _fds[f] = (int)socket.Handle;
            Interop.SetInt(_fds[f], Interop.SOL_SOCKET, Interop.SO_SNDBUFFORCE, 1 << 20, "SO_SNDBUFFORCE");
        }

        _payload = (byte*)NativeMemory.AllocZeroed(FrameBuilder.PayloadLength);
        _iov = (Interop.IoVec*)NativeMemory.AllocZeroed((nuint)sizeof(Interop.IoVec));
        _iov->Base = _payload;
        _iov->Length = FrameBuilder.PayloadLength;
        _messages = (Interop.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(MaxBatch * sizeof(Interop.MMsgHdr)));
        for (var i = 0; i < MaxBatch; i++)
        {
            _messages[i].Header.Iov = _iov;
            _messages[i].Header.IovLength = 1;
        }
    }

    public int MaxBatch { get; }

    public int Send(int count)
    {
        var fd = _fds[_next];
        _next = _next + 1 == _fds.Length ? 0 : _next + 1;
        var sent = Interop.SendMMsg(fd, _messages, (uint)Math.Min(count, MaxBatch), 0);
        return sent < 0 ? 0 : sent;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        NativeMemory.Free(_payload);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_messages);
    }
}
