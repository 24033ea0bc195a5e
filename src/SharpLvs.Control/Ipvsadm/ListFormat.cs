namespace SharpLvs.Control.Ipvsadm;

/// <summary>How a listing is printed: ipvsadm's FMT_* flags.</summary>
[Flags]
public enum ListFormat
{
    None = 0,

    /// <summary><c>-n</c>: addresses and ports as numbers.</summary>
    Numeric = 0x0001,

    /// <summary><c>-S</c>: print rules as commands.</summary>
    Rule = 0x0002,

    Stats = 0x0004,
    Rate = 0x0008,
    Thresholds = 0x0010,
    PersistentConn = 0x0020,
    NoSort = 0x0040,
    Exact = 0x0080,
    TunnelInfo = 0x0100,
}
