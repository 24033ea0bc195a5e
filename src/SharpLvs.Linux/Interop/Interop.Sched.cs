using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // linux/sched.h
    internal const int SCHED_OTHER = 0;
    internal const int SCHED_FIFO = 1;

    /// <summary>cpu_set_t as glibc sizes it (1024 CPUs).</summary>
    internal const int CpuSetBytes = 128;

    /// <summary>sched_setaffinity(2); pid 0 is the calling thread.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static unsafe partial int SchedSetAffinity(int pid, nuint size, byte* mask);

    /// <summary>sched_setscheduler(2); pid 0 is the calling thread.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "sched_setscheduler", SetLastError = true)]
    internal static unsafe partial int SchedSetScheduler(int pid, int policy, int* priority);
}
