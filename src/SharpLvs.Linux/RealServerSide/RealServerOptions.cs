using SharpLvs.Packets;

namespace SharpLvs.Linux.RealServerSide;

/// <summary>How packets for the VIP reach this real server.</summary>
public enum RealServerMode
{
    /// <summary>LVS-DR: frames arrive addressed to the VIP on the LAN.</summary>
    DirectRouting,

    /// <summary>LVS-TUN: packets arrive encapsulated (IP-in-IP or GUE) and are unwrapped here.</summary>
    Tunnel,
}

/// <summary>One VIP this host serves as a real server; <paramref name="Interface"/> is the LAN interface (optional).</summary>
public sealed record RealServerOptions(InetAddress Vip, RealServerMode Mode, string? Interface)
{
    public int PrefixLength => Vip.IsIPv4 ? 32 : 128;

    public string ModeName => Mode == RealServerMode.Tunnel ? "tun" : "dr";

    /// <summary>
    /// The /proc/sys keys and values the mode needs (seed 001's script, plus TUN's rp_filter):
    /// arp_ignore=1 so the host answers ARP only for addresses on the asking interface (the
    /// VIP on lo is not), arp_announce=2 so it never uses the VIP as an ARP source; for TUN,
    /// rp_filter=0 so packets from the client arriving on the tunnel side pass the reverse
    /// path check (the effective value is the maximum of "all" and the interface's). IPv6 has
    /// no ARP: an address on lo is not answered for on other links (NDP is per interface).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sysctls(bool hasTunl0)
    {
        var keys = new List<KeyValuePair<string, string>>();
        if (!Vip.IsIPv4)
        {
            return keys;
        }

        string[] devices = Interface is null ? ["all", "lo"] : ["all", "lo", Interface];
        foreach (var device in devices)
        {
            keys.Add(new($"net/ipv4/conf/{device}/arp_ignore", "1"));
        }

        foreach (var device in devices)
        {
            keys.Add(new($"net/ipv4/conf/{device}/arp_announce", "2"));
        }

        if (Mode == RealServerMode.Tunnel)
        {
            keys.Add(new("net/ipv4/conf/all/rp_filter", "0"));
            if (Interface is not null)
            {
                keys.Add(new($"net/ipv4/conf/{Interface}/rp_filter", "0"));
            }

            if (hasTunl0)
            {
                keys.Add(new("net/ipv4/conf/tunl0/rp_filter", "0"));
            }
        }

        return keys;
    }
}
