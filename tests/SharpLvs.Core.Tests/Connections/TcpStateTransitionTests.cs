using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Connections;

// Expected next states are read off ip_vs_proto_tcp.c's tcp_states table (INPUT, OUTPUT,
// INPUT-ONLY rows syn/fin/ack/rst); timeouts are tcp_timeouts' defaults.
public class TcpStateTransitionTests
{
    private const long T0 = 5_000_000;

    public static TheoryData<string, bool, string, string> Sequences => new()
    {
        // description, DR (NOOUTPUT) connection?, packets ("I:S" = input SYN, "O:SA" = output SYN+ACK), expected states
        { "DR handshake, data, client close", true, "I:S I:A I:PA I:FA I:A", "SYN_RECV ESTABLISHED ESTABLISHED FIN_WAIT FIN_WAIT" },
        { "DR retransmitted SYN stays SYN_RECV", true, "I:S I:S", "SYN_RECV SYN_RECV" },
        { "DR RST in SYN_RECV is ignored (INPUT_ONLY rst column sSR)", true, "I:S I:R", "SYN_RECV SYN_RECV" },
        { "DR RST when established closes", true, "I:S I:A I:R", "SYN_RECV ESTABLISHED CLOSE" },
        { "DR ACK without a SYN closes", true, "I:A", "CLOSE" },
        { "DR FIN then RST", true, "I:S I:A I:F I:R", "SYN_RECV ESTABLISHED FIN_WAIT CLOSE" },
        { "DR segment with no SYN/FIN/ACK/RST closes", true, "I:S I:P", "SYN_RECV CLOSE" },
        { "DR SYN+FIN counts as SYN", true, "I:SF", "SYN_RECV" },
        { "DR FIN+RST counts as RST", true, "I:S I:A I:FR", "SYN_RECV ESTABLISHED CLOSE" },
        { "NAT handshake through the director", false, "I:S O:SA I:A", "SYN_RECV SYN_RECV ESTABLISHED" },
        { "NAT client closes first", false, "I:S O:SA I:A I:FA O:A O:FA I:A", "SYN_RECV SYN_RECV ESTABLISHED CLOSE_WAIT CLOSE_WAIT TIME_WAIT TIME_WAIT" },
        { "NAT server closes first", false, "I:S O:SA I:A O:FA I:FA", "SYN_RECV SYN_RECV ESTABLISHED FIN_WAIT TIME_WAIT" },
        { "NAT server resets", false, "I:S O:R", "SYN_RECV CLOSE" },
        { "DR that sees output leaves INPUT_ONLY", true, "I:S I:A O:A I:FA", "SYN_RECV ESTABLISHED ESTABLISHED CLOSE_WAIT" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void OnTcpPacket_Sequence_FollowsTheKernelTable(string description, bool directRouting, string packets, string expected)
    {
        var table = new ConnectionTable(4);
        var forwarder = directRouting ? StubForwarder.DirectRouting : StubForwarder.Masquerade;
        var index = table.Add(ConnectionTableTests.Flow(1), Server('A'), forwarder, new IpvsStats(), T0);
        var states = new List<string>();

        foreach (var packet in packets.Split(' '))
        {
            var direction = packet[0] == 'O' ? TcpDirection.Output : TcpDirection.Input;
            table.OnTcpPacket(index, direction, Flags(packet[2..]), T0);
            states.Add(TcpStateMachine.Name(table[index].State));
        }

        Assert.True(expected == string.Join(' ', states), $"{description}: got {string.Join(' ', states)}");
    }

    public static TheoryData<TcpState, int> Timeouts => new()
    {
        { TcpState.None, 2 },
        { TcpState.Established, 900 },
        { TcpState.SynSent, 120 },
        { TcpState.SynRecv, 60 },
        { TcpState.FinWait, 120 },
        { TcpState.TimeWait, 120 },
        { TcpState.Close, 10 },
        { TcpState.CloseWait, 60 },
        { TcpState.LastAck, 30 },
        { TcpState.Listen, 120 },
        { TcpState.SynAck, 120 },
    };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public void ConnectionTimeouts_Defaults_MatchTheKernel(TcpState state, int seconds)
    {
        Assert.Equal(seconds, new ConnectionTimeouts().TcpSeconds(state));
    }

    [Fact]
    public void ConnectionTimeouts_SetWithZero_KeepsCurrentValues()
    {
        var timeouts = new ConnectionTimeouts();

        timeouts.Set(tcp: 0, tcpFin: 30, udp: 0);

        Assert.Equal((900, 30, 300), (timeouts.Tcp, timeouts.TcpFin, timeouts.Udp));
    }

    [Theory]
    [InlineData("S", 60_000)]
    [InlineData("S A", 900_000)]
    [InlineData("S A F", 120_000)]
    [InlineData("S A R", 10_000)]
    public void OnTcpPacket_SetsTheNewStatesTimeout(string packets, long expectedMs)
    {
        var table = new ConnectionTable(4);
        var index = table.Add(ConnectionTableTests.Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);

        foreach (var flags in packets.Split(' '))
        {
            table.OnTcpPacket(index, TcpDirection.Input, Flags(flags), T0);
        }

        Assert.Equal(T0 + expectedMs, table.ExpiresMs(index));
    }

    [Fact]
    public void OnTcpPacket_ActiveAndInactiveCounts_FollowTheState()
    {
        var server = Server('A');
        var table = new ConnectionTable(4);
        var index = table.Add(ConnectionTableTests.Flow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        Assert.Equal((0, 1), (server.ActiveConnections, server.InactiveConnections));

        table.OnTcpPacket(index, TcpDirection.Input, Flags("S"), T0); // SYN_RECV counts active
        Assert.Equal((1, 0), (server.ActiveConnections, server.InactiveConnections));

        table.OnTcpPacket(index, TcpDirection.Input, Flags("A"), T0); // ESTABLISHED
        Assert.Equal((1, 0), (server.ActiveConnections, server.InactiveConnections));

        table.OnTcpPacket(index, TcpDirection.Input, Flags("FA"), T0); // FIN_WAIT
        Assert.Equal((0, 1), (server.ActiveConnections, server.InactiveConnections));

        table.Remove(index);
        Assert.Equal((0, 0), (server.ActiveConnections, server.InactiveConnections));
    }

    [Fact]
    public void OnUdpPacket_ConnectionStaysInactive()
    {
        var server = Server('A');
        var table = new ConnectionTable(4);
        var index = table.Add(ConnectionTableTests.UdpFlow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        table.OnUdpPacket(index, T0);

        Assert.Equal((0, 1), (server.ActiveConnections, server.InactiveConnections));
        Assert.Equal(T0 + 300_000, table.ExpiresMs(index));
    }

    private static byte Flags(string letters)
    {
        var flags = TcpFlags.None;
        foreach (var letter in letters)
        {
            flags |= letter switch
            {
                'S' => TcpFlags.Syn,
                'A' => TcpFlags.Ack,
                'F' => TcpFlags.Fin,
                'R' => TcpFlags.Rst,
                'P' => TcpFlags.Psh,
                _ => throw new ArgumentException(letters),
            };
        }

        return (byte)flags;
    }
}
