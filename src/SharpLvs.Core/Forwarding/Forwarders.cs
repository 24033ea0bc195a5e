using SharpLvs.Core.Services;

namespace SharpLvs.Core.Forwarding;

/// <summary>The transmitter for each forwarding method (ip_vs_bind_xmit's switch); null where none is built yet.</summary>
internal static class Forwarders
{
    public static IForwarder? For(ForwardingMethod method) => method switch
    {
        ForwardingMethod.DirectRouting => DirectRoutingForwarder.Instance,
        ForwardingMethod.Tunnel => TunnelForwarder.Instance,
        ForwardingMethod.Masquerade => NatForwarder.Masquerade,
        ForwardingMethod.FullNat => NatForwarder.FullNat,
        _ => null,
    };
}
