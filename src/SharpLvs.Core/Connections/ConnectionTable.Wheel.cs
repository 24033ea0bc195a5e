namespace SharpLvs.Core.Connections;

/// <summary>
/// Expiry by a hashed timer wheel of one-second ticks. An entry sits in the slot of the tick
/// at or after its expiry time; <see cref="Expire"/> visits only the slots of the ticks that
/// passed. A packet that pushes the expiry later only rewrites <c>ExpiresMs</c> (the entry is
/// moved when its old slot comes round), so the common case costs one store; a shorter
/// timeout (ESTABLISHED → CLOSE) moves the entry to the earlier slot at once.
/// </summary>
public sealed partial class ConnectionTable
{
    // 1024 one-second slots: more than the default 900 s ESTABLISHED timeout, so most entries
    // are visited once. Longer timeouts are parked in the farthest slot and re-filed when it
    // comes round.
    private const int WheelSlots = 1024;
    private const int WheelMask = WheelSlots - 1;
    private const long ExpireLaterMs = 60_000;

    private readonly int[] _wheel;

    // The last tick whose slot was processed; every linked entry's WheelTick is after it.
    private long _lastTick;
    private bool _clockStarted;

    /// <summary>
    /// Expires every connection whose time ran out by <paramref name="nowMs"/> (to within the
    /// one-second tick) and returns how many. Called by the worker on every loop; work is
    /// proportional to the ticks passed and the entries filed in them, never to the table size.
    /// </summary>
    public int Expire(long nowMs)
    {
        StartClock(nowMs);
        var nowTick = nowMs / 1000;
        if (nowTick - _lastTick > WheelSlots)
        {
            // After a long pause every slot is due anyway: visit each once.
            _lastTick = nowTick - WheelSlots;
        }

        var expired = 0;
        while (_lastTick < nowTick)
        {
            var tick = ++_lastTick;
            var slot = (int)(tick & WheelMask);
            var index = _wheel[slot];
            _wheel[slot] = Empty;
            while (index != Empty)
            {
                ref var entry = ref _entries[index];
                var next = entry.WheelNext;
                entry.WheelNext = Empty;
                entry.WheelPrev = Empty;
                entry.WheelTick = 0;
                if (entry.ExpiresMs <= nowMs && (entry.Flags & ConnectionFlags.Template) != 0 && entry.Control > 0)
                {
                    // ip_vs_conn_expire's expire_later: a template outlives the connections it
                    // controls, checked again every 60 s; the kernel sets cp->timeout itself to
                    // 60 s, so later connections refresh it with that too.
                    entry.Flags |= ConnectionFlags.ExpireLater;
                    entry.ExpiresMs = nowMs + ExpireLaterMs;
                    Link(index, entry.ExpiresMs);
                }
                else if (entry.ExpiresMs <= nowMs)
                {
                    Remove(index);
                    expired++;
                }
                else
                {
                    Link(index, entry.ExpiresMs);
                }

                index = next;
            }
        }

        return expired;
    }

    private void StartClock(long nowMs)
    {
        if (!_clockStarted)
        {
            _clockStarted = true;
            // Ticks stay positive so that WheelTick 0 can mean "not filed".
            _lastTick = Math.Max(0, (nowMs / 1000) - 1);
        }
    }

    private void StartTimer(int index, long nowMs, long expiresMs)
    {
        StartClock(nowMs);
        _entries[index].ExpiresMs = expiresMs;
        Link(index, expiresMs);
    }

    private void RestartTimer(int index, long expiresMs)
    {
        ref var entry = ref _entries[index];
        entry.ExpiresMs = expiresMs;
        if (TickFor(expiresMs) < entry.WheelTick)
        {
            UnlinkTimer(index);
            Link(index, expiresMs);
        }
    }

    private long TickFor(long expiresMs)
    {
        // The first tick at or after the expiry, within the wheel's reach.
        var tick = (expiresMs + 999) / 1000;
        if (tick <= _lastTick)
        {
            return _lastTick + 1;
        }

        return Math.Min(tick, _lastTick + WheelSlots);
    }

    private void Link(int index, long expiresMs)
    {
        var tick = TickFor(expiresMs);
        var slot = (int)(tick & WheelMask);
        ref var entry = ref _entries[index];
        var head = _wheel[slot];
        entry.WheelTick = tick;
        entry.WheelPrev = Empty;
        entry.WheelNext = head;
        if (head != Empty)
        {
            _entries[head].WheelPrev = index;
        }

        _wheel[slot] = index;
    }

    private void UnlinkTimer(int index)
    {
        ref var entry = ref _entries[index];
        if (entry.WheelTick == 0)
        {
            return;
        }

        if (entry.WheelPrev != Empty)
        {
            _entries[entry.WheelPrev].WheelNext = entry.WheelNext;
        }
        else
        {
            _wheel[(int)(entry.WheelTick & WheelMask)] = entry.WheelNext;
        }

        if (entry.WheelNext != Empty)
        {
            _entries[entry.WheelNext].WheelPrev = entry.WheelPrev;
        }

        entry.WheelNext = Empty;
        entry.WheelPrev = Empty;
        entry.WheelTick = 0;
    }
}
