namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Where frames come from and go to (AF_PACKET, AF_XDP, or a fake in tests). One worker
/// owns a port; it is not thread-safe.
/// </summary>
public interface IPacketPort : IDisposable
{
    /// <summary>
    /// Fills <paramref name="batch"/> with ready frames (descriptors reset, frames pointing at
    /// port-owned memory). Waits at most <paramref name="timeoutMs"/> when none is ready, so
    /// the caller keeps its timers turning; returns the count (0 on timeout).
    /// </summary>
    int Receive(PacketBatch batch, int timeoutMs);

    /// <summary>
    /// Sends every frame whose verdict is <see cref="Verdict.Transmit"/> out of its
    /// <c>EgressIfIndex</c>, then gives all frames of the batch back to the port.
    /// </summary>
    void Complete(PacketBatch batch);
}
