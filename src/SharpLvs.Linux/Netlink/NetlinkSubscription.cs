namespace SharpLvs.Linux.Netlink;

/// <summary>
/// A socket joined to rtnetlink's link, address, route and neighbour groups: it becomes
/// readable whenever the host's network configuration changes. Only "something changed"
/// is reported; the reader re-queries what it needs.
/// </summary>
public sealed unsafe class NetlinkSubscription : IDisposable
{
    private const uint Groups =
        Interop.RTMGRP_LINK | Interop.RTMGRP_NEIGH |
        Interop.RTMGRP_IPV4_IFADDR | Interop.RTMGRP_IPV6_IFADDR |
        Interop.RTMGRP_IPV4_ROUTE | Interop.RTMGRP_IPV6_ROUTE;

    private readonly NetlinkSocket _socket = new(Groups);
    private readonly byte[] _buffer = new byte[16 * 1024];

    /// <summary>The descriptor to wait on (poll for POLLIN).</summary>
    public int Fd => _socket.Fd;

    /// <summary>Waits up to <paramref name="timeoutMs"/>; true (and the queue drained) when a change arrived.</summary>
    public bool Wait(int timeoutMs)
    {
        var poll = new Interop.PollFd { Fd = _socket.Fd, Events = Interop.POLLIN };
        return Interop.Poll(&poll, 1, timeoutMs) > 0 && Drain();
    }

    /// <summary>Reads every pending notification without blocking; true if there was any.</summary>
    public bool Drain()
    {
        var any = false;
        fixed (byte* bytes = _buffer)
        {
            while (true)
            {
                var received = Interop.Recv(_socket.Fd, bytes, (nuint)_buffer.Length, Interop.MSG_DONTWAIT);
                if (received > 0)
                {
                    any = true;
                    continue;
                }

                // ENOBUFS: notifications were lost because the queue overflowed, which also
                // means "something changed".
                if (received < 0 && Interop.Errors.Last == Interop.Errors.ENOBUFS)
                {
                    any = true;
                    continue;
                }

                return any;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
