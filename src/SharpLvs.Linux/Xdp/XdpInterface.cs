using SharpLvs.Packets;

namespace SharpLvs.Linux.Xdp;

/// <summary>A served interface as the XDP port needs it: where to attach, how many receive queues get a socket, and its MAC (to classify frames).</summary>
public sealed record XdpInterface(int IfIndex, string Name, MacAddress Mac, int Queues);
