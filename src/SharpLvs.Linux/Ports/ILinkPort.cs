using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Ports;

/// <summary>What lvsd needs of its packet port beyond <see cref="IPacketPort"/>: AF_PACKET alone, or AF_XDP combined with it.</summary>
public interface ILinkPort : IPacketPort
{
    /// <summary>Interrupts a <see cref="IPacketPort.Receive"/> waiting for frames (any thread).</summary>
    void Wake();

    /// <summary>Frames the kernel dropped for lack of room in the port's rings, so far (any thread).</summary>
    long RefreshKernelDrops();

    /// <summary>Sends one frame built by the control plane (gratuitous ARP, ...); safe from any thread.</summary>
    bool SendFrame(int ifIndex, ReadOnlySpan<byte> frame);

    /// <summary>Joins or leaves a link-layer multicast group on the port's receiving sockets; the error text, or null.</summary>
    string? SetMulticastMembership(int ifIndex, MacAddress group, bool join);
}
