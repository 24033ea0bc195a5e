namespace SharpLvs.Core.Connections;

/// <summary>IPVS's own TCP connection states (IP_VS_TCP_S_*), in the kernel's order; ipvsadm <c>-Lc</c> prints their names.</summary>
public enum TcpState : byte
{
    None = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait = 4,
    TimeWait = 5,
    Close = 6,
    CloseWait = 7,
    LastAck = 8,
    Listen = 9,
    SynAck = 10,
}

/// <summary>
/// Which way a packet travels relative to the connection (IP_VS_DIR_*): client → real server
/// (Input), real server → client (Output), or Input on a connection that never sees output
/// (DR and TUN: replies bypass the director; the kernel flags those IP_VS_CONN_F_NOOUTPUT).
/// </summary>
public enum TcpDirection : byte
{
    Input = 0,
    Output = 1,
    InputOnly = 2,
}
