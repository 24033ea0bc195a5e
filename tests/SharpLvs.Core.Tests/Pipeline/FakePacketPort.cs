using SharpLvs.Core.Pipeline;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// A packet port fed from a queue of frames; Complete records what would have been sent.
/// Thread-safe enough for one worker thread plus a test thread enqueuing and reading.
/// </summary>
internal sealed class FakePacketPort : IPacketPort
{
    private readonly Queue<(byte[] Frame, int IfIndex, PacketClass Class)> _incoming = new();
    private readonly List<PinnedFrame> _inFlight = [];
    private readonly Lock _lock = new();

    public List<(byte[] Frame, int IfIndex)> Sent { get; } = [];

    public List<(Verdict Verdict, DropReason Reason)> Verdicts { get; } = [];

    public int ReceiveCalls { get; private set; }

    public void Enqueue(byte[] frame, int ifIndex = PipelineLab.IngressIf, PacketClass packetClass = PacketClass.Host)
    {
        lock (_lock)
        {
            _incoming.Enqueue((frame, ifIndex, packetClass));
        }
    }

    public int Receive(PacketBatch batch, int timeoutMs)
    {
        lock (_lock)
        {
            ReceiveCalls++;
            var count = 0;
            while (count < batch.Capacity && _incoming.TryDequeue(out var next))
            {
                var pinned = new PinnedFrame(next.Frame);
                _inFlight.Add(pinned);
                batch.Items[count] = pinned.Descriptor(next.IfIndex, next.Class);
                count++;
            }

            batch.Count = count;
            if (count == 0 && timeoutMs > 0)
            {
                Thread.Sleep(1);
            }

            return count;
        }
    }

    public void Complete(PacketBatch batch)
    {
        lock (_lock)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var d = batch.Items[i];
                Verdicts.Add((d.Verdict, d.Reason));
                if (d.Verdict == Verdict.Transmit)
                {
                    Sent.Add((d.Frame.ToArray(), d.EgressIfIndex));
                }
            }

            _inFlight.Clear();
            batch.Count = 0;
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000 * TimeSpan.TicksPerMillisecond;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
