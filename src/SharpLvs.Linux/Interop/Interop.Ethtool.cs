using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // linux/ethtool.h: the legacy one-feature commands, still mapped onto netdev features by
    // net/ethtool/ioctl.c (ethtool_get_one_feature / ethtool_set_one_feature).
    internal const uint ETHTOOL_GTSO = 0x1e;
    internal const uint ETHTOOL_STSO = 0x1f;
    internal const uint ETHTOOL_GGSO = 0x23;
    internal const uint ETHTOOL_SGSO = 0x24;
    internal const uint ETHTOOL_GFLAGS = 0x25;
    internal const uint ETHTOOL_SFLAGS = 0x26;
    internal const uint ETHTOOL_GGRO = 0x2b;
    internal const uint ETHTOOL_SGRO = 0x2c;

    internal const uint ETH_FLAG_LRO = 1 << 15;

    /// <summary>struct ethtool_value: a command and one value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EthtoolValue
    {
        public uint Cmd;
        public uint Data;
    }
}
