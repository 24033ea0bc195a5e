namespace SharpLvs.Linux.Ports;

/// <summary>
/// Adaptive interrupt moderation for a polled packet port, as NIC drivers do it with
/// adaptive rx-usecs: at a low rate the port waits in poll and is woken by each frame (the
/// lowest latency); when frames arrive closer together than the longest window, it sleeps
/// a window instead and takes what gathered as one batch, and sizes the window so that a
/// batch holds a few dozen frames. Every wake-up costs a timer, a context switch, a send
/// system call and, across CPUs, an IPI; a batch pays them once for all its frames.
/// </summary>
/// <remarks>
/// A sleep that gathers one frame or none means the traffic is a trickle or one request at a
/// time (where waiting only adds latency): the port goes back to poll. The window never
/// exceeds the configured maximum, which bounds the latency coalescing can add.
/// </remarks>
internal struct CoalescingWindow
{
    /// <summary>The shortest window: below it a sleep costs as much as the wake-ups it saves.</summary>
    public const long FloorNanoseconds = 10_000;

    /// <summary>Frames per batch the window aims at: big enough to amortise a wake-up, far below the ring.</summary>
    public const int TargetBatch = 32;

    private readonly long _maxNanoseconds;

    public CoalescingWindow(int maxMicroseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMicroseconds);
        _maxNanoseconds = maxMicroseconds * 1000L;
    }

    /// <summary>True while the port sleeps windows instead of waiting in poll.</summary>
    public bool Engaged { get; private set; }

    /// <summary>The next sleep's length.</summary>
    public long WindowNanoseconds { get; private set; }

    /// <summary>
    /// A poll returned <paramref name="frames"/> frames after <paramref name="waitedNanoseconds"/>:
    /// engage when frames come faster than the longest window, starting with a window that
    /// should gather a few of them at the rate just seen.
    /// </summary>
    public void AfterPoll(int frames, long waitedNanoseconds)
    {
        if (frames <= 0 || _maxNanoseconds == 0 || waitedNanoseconds >= _maxNanoseconds)
        {
            Engaged = false;
            return;
        }

        Engaged = true;
        WindowNanoseconds = Clamp(waitedNanoseconds * 4 / frames);
    }

    /// <summary>A sleep gathered <paramref name="frames"/> frames: adapt the window, or disengage.</summary>
    public void AfterSleep(int frames)
    {
        if (frames <= 1)
        {
            Engaged = false;
            return;
        }

        if (frames >= TargetBatch * 3 / 2)
        {
            WindowNanoseconds = Clamp(WindowNanoseconds * 3 / 4);
        }
        else if (frames < TargetBatch / 2)
        {
            WindowNanoseconds = Clamp(WindowNanoseconds * 5 / 4);
        }
    }

    private readonly long Clamp(long nanoseconds) =>
        Math.Min(_maxNanoseconds, Math.Max(Math.Min(FloorNanoseconds, _maxNanoseconds), nanoseconds));
}
