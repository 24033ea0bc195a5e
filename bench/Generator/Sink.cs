using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// The real server's end: a bound UDP socket so datagrams for the VIP are absorbed without
/// ICMP port-unreachable replies. The benchmark counts them in the namespace's
/// /proc/net/snmp (InDatagrams + RcvbufErrors), which costs nothing; --drain also reads.
/// </summary>
internal static unsafe class Sink
{
    public static long Run(Options options)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, options.Port));
        var deadline = DateTime.UtcNow.AddSeconds(options.Seconds);
        if (!options.Drain)
        {
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
            while (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }

            return 0;
        }

        const int batch = 64;
        var fd = (int)socket.Handle;
        socket.ReceiveTimeout = 200;
        var buffers = (byte*)NativeMemory.Alloc(batch * 2048);
        var iov = stackalloc Interop.IoVec[batch];
        var messages = stackalloc Interop.MMsgHdr[batch];
        for (var i = 0; i < batch; i++)
        {
            iov[i].Base = buffers + i * 2048;
            iov[i].Length = 2048;
            messages[i] = default;
            messages[i].Header.Iov = &iov[i];
            messages[i].Header.IovLength = 1;
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        long received = 0;
        while (DateTime.UtcNow < deadline)
        {
            var n = Interop.RecvMMsg(fd, messages, batch, Interop.MSG_WAITFORONE, null);
            if (n > 0)
            {
                received += n;
            }
        }

        NativeMemory.Free(buffers);
        Console.Out.WriteLine($"received={received}");
        return received;
    }
}
