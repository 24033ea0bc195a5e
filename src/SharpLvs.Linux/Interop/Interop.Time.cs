using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    internal const int CLOCK_MONOTONIC = 1;

    /// <summary>struct timespec (64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "clock_nanosleep")]
    internal static unsafe partial int ClockNanoSleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);
}
