namespace SharpLvs.Core.Connections;

/// <summary>
/// How long a connection lives without packets, per state: the kernel's tcp_timeouts and
/// udp_timeouts defaults. Shared by reference between the control plane (<c>--set</c>) and the
/// connection table; a change applies from the next packet of each connection, as in the kernel.
/// </summary>
public sealed class ConnectionTimeouts
{
    private readonly int[] _tcpSeconds =
    [
        2,       // NONE
        15 * 60, // ESTABLISHED
        2 * 60,  // SYN_SENT
        60,      // SYN_RECV
        2 * 60,  // FIN_WAIT
        2 * 60,  // TIME_WAIT
        10,      // CLOSE
        60,      // CLOSE_WAIT
        30,      // LAST_ACK
        2 * 60,  // LISTEN
        120,     // SYNACK
    ];

    private int _udpSeconds = 5 * 60;

    /// <summary>ipvsadm <c>--timeout</c>'s "tcp": the ESTABLISHED timeout, seconds.</summary>
    public int Tcp => Volatile.Read(ref _tcpSeconds[(int)TcpState.Established]);

    /// <summary>ipvsadm <c>--timeout</c>'s "tcpfin": the FIN_WAIT timeout, seconds.</summary>
    public int TcpFin => Volatile.Read(ref _tcpSeconds[(int)TcpState.FinWait]);

    /// <summary>ipvsadm <c>--timeout</c>'s "udp", seconds.</summary>
    public int Udp => Volatile.Read(ref _udpSeconds);

    /// <summary>ipvsadm <c>--set tcp tcpfin udp</c>: seconds; 0 keeps the current value, as the kernel does.</summary>
    public void Set(int tcp, int tcpFin, int udp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tcp);
        ArgumentOutOfRangeException.ThrowIfNegative(tcpFin);
        ArgumentOutOfRangeException.ThrowIfNegative(udp);
        if (tcp > 0)
        {
            Volatile.Write(ref _tcpSeconds[(int)TcpState.Established], tcp);
        }

        if (tcpFin > 0)
        {
            Volatile.Write(ref _tcpSeconds[(int)TcpState.FinWait], tcpFin);
        }

        if (udp > 0)
        {
            Volatile.Write(ref _udpSeconds, udp);
        }
    }

    /// <summary>Seconds a TCP connection in <paramref name="state"/> lives without packets.</summary>
    public int TcpSeconds(TcpState state) => Volatile.Read(ref _tcpSeconds[(int)state]);

    /// <summary>Sets one TCP state's timeout (the kernel's per-state sysctl table), seconds &gt; 0.</summary>
    public void SetTcp(TcpState state, int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        Volatile.Write(ref _tcpSeconds[(int)state], seconds);
    }

    internal long TcpMilliseconds(TcpState state) => TcpSeconds(state) * 1000L;

    internal long UdpMilliseconds => Udp * 1000L;
}
