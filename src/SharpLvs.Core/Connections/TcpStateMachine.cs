namespace SharpLvs.Core.Connections;

/// <summary>
/// The transition tables of ip_vs_proto_tcp.c (<c>tcp_states</c>, the normal table; secure_tcp's
/// <c>tcp_states_dos</c> is not used). A packet's flags pick a row (RST before SYN before FIN
/// before ACK, as tcp_state_idx ranks them); the current state picks the column. A segment
/// with none of those flags moves the connection to CLOSE, as set_tcp_state does.
/// </summary>
internal static class TcpStateMachine
{
    private const byte NO = (byte)TcpState.None;
    private const byte ES = (byte)TcpState.Established;
    private const byte SS = (byte)TcpState.SynSent;
    private const byte SR = (byte)TcpState.SynRecv;
    private const byte FW = (byte)TcpState.FinWait;
    private const byte TW = (byte)TcpState.TimeWait;
    private const byte CL = (byte)TcpState.Close;
    private const byte CW = (byte)TcpState.CloseWait;
    private const byte LA = (byte)TcpState.LastAck;
    private const byte LI = (byte)TcpState.Listen;
    private const byte SA = (byte)TcpState.SynAck;

    private const int StateCount = 11;
    private const int RowsPerDirection = 4;

    // TCP header flag bits (RFC 9293 §3.1).
    internal const byte Fin = 0x01;
    internal const byte Syn = 0x02;
    internal const byte Rst = 0x04;
    internal const byte Ack = 0x10;

    // [direction][flag row][current state] → next state. Rows: syn, fin, ack, rst.
    // Columns: NO ES SS SR FW TW CL CW LA LI SA.
    private static ReadOnlySpan<byte> Table =>
    [
        // Input
        SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR, // syn
        CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW, // fin
        CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES, // ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR, // rst

        // Output
        SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR, // syn
        TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW, // fin
        ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES, // ack
        CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL, // rst

        // Input only
        SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR, // syn
        CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW, // fin
        CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES, // ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL, // rst
    ];

    // tcp_state_active_table: the states counted in ActiveConn. The kernel counts the
    // handshake states too ("ipvs: count pre-established TCP states as active"), so a SYN
    // flood shows up as active load for lc/wlc.
    private static ReadOnlySpan<bool> Active => [false, true, true, true, false, false, false, false, false, false, true];

    private static readonly string[] Names =
    [
        "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK",
    ];

    /// <summary>tcp_state_idx: which row the flags select, or -1 when none of RST/SYN/FIN/ACK is set.</summary>
    public static int FlagRow(byte flags)
    {
        if ((flags & Rst) != 0)
        {
            return 3;
        }

        if ((flags & Syn) != 0)
        {
            return 0;
        }

        if ((flags & Fin) != 0)
        {
            return 1;
        }

        return (flags & Ack) != 0 ? 2 : -1;
    }

    public static TcpState Next(TcpDirection direction, byte flags, TcpState current)
    {
        var row = FlagRow(flags);
        if (row < 0 || (uint)current >= StateCount)
        {
            return TcpState.Close;
        }

        return (TcpState)Table[(((int)direction * RowsPerDirection) + row) * StateCount + (int)current];
    }

    public static bool IsActive(TcpState state) => (uint)state < StateCount && Active[(int)state];

    public static string Name(TcpState state) => (uint)state < StateCount ? Names[(int)state] : "ERR!";
}
