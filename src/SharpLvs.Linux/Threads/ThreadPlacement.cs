namespace SharpLvs.Linux.Threads;

/// <summary>
/// Puts the calling thread on one CPU and/or under SCHED_FIFO: a data-plane thread that must
/// not wait behind other tasks for longer than its receive ring lasts (the kernel's own
/// forwarding runs in softirq, which preempts every task). Linux applies both per thread
/// (pid 0 in sched_setaffinity/sched_setscheduler is the caller's TID).
/// </summary>
public static unsafe class ThreadPlacement
{
    /// <summary>The SCHED_FIFO priority lvsd uses: above ordinary tasks, below the kernel's own RT threads (watchdogs run at 99).</summary>
    public const int DefaultRealtimePriority = 50;

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; returns null or the error's text.</summary>
    public static string? PinCurrentThread(int cpu)
    {
        if (cpu < 0 || cpu >= Interop.CpuSetBytes * 8)
        {
            return $"CPU {cpu} is out of range";
        }

        var mask = stackalloc byte[Interop.CpuSetBytes];
        new Span<byte>(mask, Interop.CpuSetBytes).Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return Interop.SchedSetAffinity(0, Interop.CpuSetBytes, mask) == 0
            ? null
            : $"sched_setaffinity(CPU {cpu}): {Interop.Errors.Describe(Interop.Errors.Last)}";
    }

    /// <summary>Runs the calling thread SCHED_FIFO at <paramref name="priority"/>; returns null or the error's text.</summary>
    public static string? MakeCurrentThreadRealtime(int priority = DefaultRealtimePriority)
    {
        var value = priority;
        return Interop.SchedSetScheduler(0, Interop.SCHED_FIFO, &value) == 0
            ? null
            : $"sched_setscheduler(SCHED_FIFO {priority}): {Interop.Errors.Describe(Interop.Errors.Last)}";
    }
}
