namespace SharpLvs.Core.Services;

/// <summary>
/// The kernel's <c>struct ip_vs_stats</c> counters (ipvsadm <c>--stats</c>): one set per real
/// server, per virtual service and for the whole director. Written by the data-plane threads
/// only; read from any thread. 64-bit loads and stores are atomic on the 64-bit runtimes we
/// run on, so readers never see a torn value, only a slightly old one.
/// </summary>
public sealed partial class IpvsStats
{
    private long _connections;
    private long _inPackets;
    private long _outPackets;
    private long _inBytes;
    private long _outBytes;

    // -Z keeps a baseline instead of writing the counters, as the kernel keeps ustats0:
    // the data-plane thread stays the single writer of the live values.
    private long _connectionsBase;
    private long _inPacketsBase;
    private long _outPacketsBase;
    private long _inBytesBase;
    private long _outBytesBase;

    public long Connections => Volatile.Read(ref _connections) - Volatile.Read(ref _connectionsBase);

    public long InPackets => Volatile.Read(ref _inPackets) - Volatile.Read(ref _inPacketsBase);

    public long OutPackets => Volatile.Read(ref _outPackets) - Volatile.Read(ref _outPacketsBase);

    public long InBytes => Volatile.Read(ref _inBytes) - Volatile.Read(ref _inBytesBase);

    public long OutBytes => Volatile.Read(ref _outBytes) - Volatile.Read(ref _outBytesBase);

    /// <summary>
    /// ipvsadm <c>-Z</c> (ip_vs_zero_stats): the counters read zero from now on and the rate
    /// estimator restarts (ip_vs_zero_estimator), so --rate reads zero too.
    /// </summary>
    public void Zero()
    {
        lock (_estimator)
        {
            Volatile.Write(ref _connectionsBase, Volatile.Read(ref _connections));
            Volatile.Write(ref _inPacketsBase, Volatile.Read(ref _inPackets));
            Volatile.Write(ref _outPacketsBase, Volatile.Read(ref _outPackets));
            Volatile.Write(ref _inBytesBase, Volatile.Read(ref _inBytes));
            Volatile.Write(ref _outBytesBase, Volatile.Read(ref _outBytes));
            ZeroEstimator();
        }
    }

    // Data-plane threads only. With one worker it is the single writer and a plain store
    // suffices; with several (lvsd --workers, docs/workers.md) the counters of a service or real
    // server are shared, and each add is atomic (the kernel keeps per-CPU copies instead).
    internal void CountConnection(bool shared = false)
    {
        if (shared)
        {
            Interlocked.Increment(ref _connections);
            return;
        }

        Volatile.Write(ref _connections, _connections + 1);
    }

    internal void CountIn(int bytes, bool shared = false)
    {
        if (shared)
        {
            Interlocked.Increment(ref _inPackets);
            Interlocked.Add(ref _inBytes, bytes);
            return;
        }

        Volatile.Write(ref _inPackets, _inPackets + 1);
        Volatile.Write(ref _inBytes, _inBytes + bytes);
    }

    internal void CountOut(int bytes, bool shared = false)
    {
        if (shared)
        {
            Interlocked.Increment(ref _outPackets);
            Interlocked.Add(ref _outBytes, bytes);
            return;
        }

        Volatile.Write(ref _outPackets, _outPackets + 1);
        Volatile.Write(ref _outBytes, _outBytes + bytes);
    }

    /// <summary>
    /// Packets a flow offload forwarded without lvsd (IFlowOffload.Poll), added in one go by
    /// the one worker the XDP port runs (the offload exists only there), so never shared.
    /// </summary>
    public void CountInBulk(long packets, long bytes)
    {
        Volatile.Write(ref _inPackets, _inPackets + packets);
        Volatile.Write(ref _inBytes, _inBytes + bytes);
    }

    /// <summary>A later fragment: the kernel counts the reassembled datagram as one packet.</summary>
    internal void CountInBytes(int bytes, bool shared = false)
    {
        if (shared)
        {
            Interlocked.Add(ref _inBytes, bytes);
            return;
        }

        Volatile.Write(ref _inBytes, _inBytes + bytes);
    }

    internal void CountOutBytes(int bytes, bool shared = false)
    {
        if (shared)
        {
            Interlocked.Add(ref _outBytes, bytes);
            return;
        }

        Volatile.Write(ref _outBytes, _outBytes + bytes);
    }
}
