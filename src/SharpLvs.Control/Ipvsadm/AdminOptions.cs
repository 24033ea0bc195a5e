namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// Which options a command line gave, one bit per ipvsadm OPT_* constant (bit n = OPTC n), so
/// that <see cref="OptionTable"/> checks them against each command as generic_opt_check does.
/// </summary>
[Flags]
public enum AdminOptions : ulong
{
    None = 0,
    Numeric = 1UL << 0,
    Connection = 1UL << 1,
    Service = 1UL << 2,
    Scheduler = 1UL << 3,
    Persistent = 1UL << 4,
    Netmask = 1UL << 5,
    Server = 1UL << 6,
    Forward = 1UL << 7,
    Weight = 1UL << 8,
    UpperThreshold = 1UL << 9,
    LowerThreshold = 1UL << 10,
    McastInterface = 1UL << 11,
    Timeout = 1UL << 12,
    Daemon = 1UL << 13,
    Stats = 1UL << 14,
    Rate = 1UL << 15,
    Thresholds = 1UL << 16,
    PersistentConn = 1UL << 17,
    NoSort = 1UL << 18,
    SyncId = 1UL << 19,
    Exact = 1UL << 20,
    OnePacket = 1UL << 21,
    PersistenceEngine = 1UL << 22,
    SchedulerFlags = 1UL << 23,
    McastGroup = 1UL << 24,
    McastPort = 1UL << 25,
    McastTtl = 1UL << 26,
    SyncMaxLength = 1UL << 27,
    TunnelInfo = 1UL << 28,
    TunnelType = 1UL << 29,
    TunnelPort = 1UL << 30,
    TunnelNoChecksum = 1UL << 31,
    TunnelChecksum = 1UL << 32,
    TunnelRemoteChecksum = 1UL << 33,

    /// <summary><c>-z</c>/<c>--laddr</c> (DPVS's ipvsadm): the FULLNAT local address.</summary>
    LocalAddress = 1UL << 34,
}
