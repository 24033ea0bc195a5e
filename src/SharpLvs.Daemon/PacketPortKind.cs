namespace SharpLvs.Daemon;

/// <summary>lvsd's <c>--port</c>: how frames reach the data plane.</summary>
internal enum PacketPortKind
{
    /// <summary>AF_PACKET rings on every served interface (the default).</summary>
    AfPacket,

    /// <summary>AF_XDP for the steered flows on every served interface; lvsd refuses to start where XDP does not attach.</summary>
    Xdp,

    /// <summary>AF_XDP where the program attaches, AF_PACKET alone elsewhere (the reason logged).</summary>
    Auto,
}
