using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Ports;

namespace SharpLvs.Daemon;

/// <summary>
/// Every drop has a name and a counter; this turns them into one log line when they moved,
/// including the frames the kernel dropped because the receive ring was full (tp_drops),
/// which the pipeline never sees. With several workers (--workers), their counts summed.
/// </summary>
internal sealed class DropReport(IReadOnlyList<DataPlaneCounters> counters, IReadOnlyList<ILinkPort> ports)
{
    private string _last = string.Empty;

    /// <summary>The drops so far, or null when nothing changed since the last call.</summary>
    public string? Changed()
    {
        var parts = Enum.GetValues<DropReason>()
            .Where(r => r != DropReason.None && DataPlaneCounters.SumDropped(counters, r) > 0)
            .Select(r => $"{r}={DataPlaneCounters.SumDropped(counters, r)}")
            .ToList();
        var ringDrops = ports.Sum(p => p.RefreshKernelDrops());
        if (ringDrops > 0)
        {
            parts.Add($"RingFull={ringDrops}");
        }

        var text = string.Join(", ", parts);
        if (text == _last)
        {
            return null;
        }

        _last = text;
        return text;
    }
}
