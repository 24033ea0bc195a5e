namespace SharpLvs.Packets;

/// <summary>Ethernet type field values (IEEE 802.3 / IANA "ieee-802-numbers").</summary>
public static class EtherTypes
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Ipv6 = 0x86DD;

    /// <summary>IEEE 802.1Q customer VLAN tag (C-tag).</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>IEEE 802.1ad service VLAN tag (S-tag, "QinQ").</summary>
    public const ushort QinQ = 0x88A8;
}
