namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Every reason a packet meant for the director goes nowhere. Each has a counter
/// (<see cref="DataPlaneCounters"/>) and is listed by name; add new reasons at the end.
/// </summary>
public enum DropReason : byte
{
    None = 0,
    ShortFrame,
    BadIpHeaderLength,
    BadIpTotalLength,
    BadIpVersion,
    ShortTransportHeader,
    BadTcpHeaderLength,
    NoRealServer,
    RealServerUnavailable,
    NoNextHop,
    ConnectionTableFull,
    NotFirstFragment,
    InvalidTcpFlags,
    FrameTooLarge,
}
