namespace SharpLvs.Control.Rules;

/// <summary>
/// The three timeouts <c>ipvsadm --set tcp tcpfin udp</c> changes, in seconds. Defaults are the
/// kernel's (ip_vs_proto_tcp.c ESTABLISHED 15 min, FIN_WAIT 2 min; ip_vs_proto_udp.c 5 min).
/// </summary>
public sealed record ConnectionTimeouts(uint Tcp = 900, uint TcpFin = 120, uint Udp = 300)
{
    public static ConnectionTimeouts Default { get; } = new();

    /// <summary>Applies a <c>--set</c>: a zero keeps the current value, as ip_vs_set_timeout does.</summary>
    public ConnectionTimeouts With(ConnectionTimeouts update) => new(
        update.Tcp != 0 ? update.Tcp : Tcp,
        update.TcpFin != 0 ? update.TcpFin : TcpFin,
        update.Udp != 0 ? update.Udp : Udp);
}
