namespace SharpLvs.Control.Rules;

/// <summary>The IP protocol numbers a virtual service can carry (IANA).</summary>
public static class IpProtocolNumbers
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Sctp = 132;
}
