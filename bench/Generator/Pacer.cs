using System.Diagnostics;

namespace SharpLvs.Bench.Generator;

/// <summary>
/// Drives a sender for a fixed time. Rate-limited mode sends whatever the monotonic clock
/// says is due, in bursts of at most 16 frames (about 100 µs of traffic at 150 kpps), so the
/// offered load is smooth at the director's time scale; unlimited mode sends full batches.
/// </summary>
internal static class Pacer
{
    private const int PacedBurst = 16;

    public readonly record struct Result(long Sent, double Seconds);

    public static Result Run(ISender sender, long pps, double seconds)
    {
        var frequency = Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(seconds * frequency);
        long sent = 0;
        long now;
        while ((now = Stopwatch.GetTimestamp()) < end)
        {
            if (pps == 0)
            {
                sent += sender.Send(sender.MaxBatch);
                continue;
            }

            var due = (long)((double)(now - start) * pps / frequency) - sent;
            if (due <= 0)
            {
                Thread.SpinWait(32);
                continue;
            }

            sent += sender.Send((int)Math.Min(due, Math.Min(PacedBurst, sender.MaxBatch)));
        }

        return new Result(sent, (double)(Stopwatch.GetTimestamp() - start) / frequency);
    }
}
