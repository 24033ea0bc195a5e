using System.Diagnostics;

namespace SharpLvs.Core.Connections;

/// <summary>
/// Expiry by a hashed timer wheel of one-second ticks. An entry sits in the slot of the tick
/// at or after its expiry time; <see cref="Expire"/> visits only the slots of the ticks that
/// passed. A packet that pushes the expiry later only rewrites the entry's expiry (the entry is
/// moved when its old slot comes round), so the common case costs one store; a shorter
/// timeout (ESTABLISHED → CLOSE) moves the entry to the earlier slot at once.
/// </summary>
/// <remarks>
/// An entry keeps its slot (16 bits) and its expiry as 32-bit milliseconds after the start of
/// its tick's window, <see cref="WindowStartMs"/>: the slot gives back the tick, since every
/// filed tick lies in the 1024 after <c>_lastTick</c>, and the window starts at least a second
/// before the present, so an expiry already past stays past and one up to 49 days ahead
/// (lvsadm accepts timeouts up to 31 days) is exact. Longer expiries are held to 49 days.
/// </remarks>
public sealed partial class ConnectionTable
{
    /// <summary><see cref="ConnectionEntry.WheelSlot"/> of an entry in no slot.</summary>
    internal const ushort NotFiled = ushort.MaxValue;

    // 1024 one-second slots: more than the default 900 s ESTABLISHED timeout, so most entries
    // are visited once. Longer timeouts are parked in the farthest slot and re-filed when it
    // comes round.
    private const int WheelSlots = 1024;
    private const int WheelMask = WheelSlots - 1;
    private const long ExpireLaterMs = 60_000;

    private readonly int[] _wheel;

    // The last tick whose slot was processed; every filed entry's tick is in the WheelSlots after it.
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
            return ExpireAfterPause(nowMs, nowTick);
        }

        var expired = 0;
        while (_lastTick < nowTick)
        {
            var tick = ++_lastTick;
            var slot = (int)(tick & WheelMask);
            var index = _wheel[slot];
            _wheel[slot] = Empty;
            expired += ExpireChain(index, tick, nowMs);
        }

        return expired;
    }

    /// <summary>The expiry time of a live entry, in the caller's milliseconds.</summary>
    internal long ExpiresMs(int index)
    {
        ref var entry = ref _entries[index];
        Debug.Assert(entry.WheelSlot != NotFiled, "a live entry is filed in the wheel");
        return WindowStartMs(FiledTick(entry.WheelSlot)) + entry.ExpiresOffsetMs;
    }

    /// <summary>
    /// After a pause longer than the wheel every slot is due: all are taken off at once, each
    /// entry's expiry read against the tick it was filed under (known from the old
    /// <c>_lastTick</c>), then decided and filed again against the present.
    /// </summary>
    private int ExpireAfterPause(long nowMs, long nowTick)
    {
        Span<int> heads = stackalloc int[WheelSlots];
        _wheel.CopyTo(heads);
        Array.Fill(_wheel, Empty);
        var last = _lastTick;
        _lastTick = nowTick;
        var expired = 0;
        for (var slot = 0; slot < WheelSlots; slot++)
        {
            expired += ExpireChain(heads[slot], last + 1 + ((slot - last - 1) & WheelMask), nowMs);
        }

        return expired;
    }

    /// <summary>The entries of one slot taken off the wheel, filed under <paramref name="tick"/>: the due go, the rest are filed again.</summary>
    private int ExpireChain(int index, long tick, long nowMs)
    {
        var expired = 0;
        var windowStartMs = WindowStartMs(tick);
        while (index != Empty)
        {
            ref var entry = ref _entries[index];
            var next = entry.WheelNext;
            var expiresMs = windowStartMs + entry.ExpiresOffsetMs;
            entry.WheelNext = Empty;
            entry.WheelPrev = Empty;
            entry.WheelSlot = NotFiled;
            if (expiresMs <= nowMs && (entry.Flags & ConnectionFlags.Template) != 0 && entry.Control > 0)
            {
                // ip_vs_conn_expire's expire_later: a template outlives the connections it
                // controls, checked again every 60 s; the kernel sets cp->timeout itself to
                // 60 s, so later connections refresh it with that too.
                entry.Flags |= ConnectionFlags.ExpireLater;
                Link(index, nowMs + ExpireLaterMs);
            }
            else if (expiresMs <= nowMs && !TryRearmFromOffload(index, nowMs, ref expiresMs))
            {
                Remove(index);
                expired++;
            }
            else
            {
                Link(index, expiresMs);
            }

            index = next;
        }

        return expired;
    }

    private void StartClock(long nowMs)
    {
        if (!_clockStarted)
        {
            _clockStarted = true;
            _lastTick = (nowMs / 1000) - 1;
        }
    }

    private void StartTimer(int index, long nowMs, long expiresMs)
    {
        StartClock(nowMs);
        Link(index, expiresMs);
    }

    private void RestartTimer(int index, long expiresMs)
    {
        ref var entry = ref _entries[index];
        if (entry.WheelSlot == NotFiled)
        {
            Link(index, expiresMs);
            return;
        }

        var tick = FiledTick(entry.WheelSlot);
        if (TickFor(expiresMs) < tick)
        {
            UnlinkTimer(index);
            Link(index, expiresMs);
        }
        else
        {
            entry.ExpiresOffsetMs = OffsetIn(tick, expiresMs);
        }
    }

    /// <summary>The tick a filed entry's slot stands for: the one in the WheelSlots after <c>_lastTick</c>.</summary>
    private long FiledTick(int slot) => _lastTick + 1 + ((slot - _lastTick - 1) & WheelMask);

    /// <summary>Where the expiries of entries filed under <paramref name="tick"/> are counted from: a wheel's turn and a second before it.</summary>
    private static long WindowStartMs(long tick) => (tick - WheelSlots - 1) * 1000;

    private static uint OffsetIn(long tick, long expiresMs) =>
        (uint)Math.Clamp(expiresMs - WindowStartMs(tick), 0, uint.MaxValue);

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
        entry.WheelSlot = (ushort)slot;
        entry.ExpiresOffsetMs = OffsetIn(tick, expiresMs);
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
        if (entry.WheelSlot == NotFiled)
        {
            return;
        }

        if (entry.WheelPrev != Empty)
        {
            _entries[entry.WheelPrev].WheelNext = entry.WheelNext;
        }
        else
        {
            _wheel[entry.WheelSlot] = entry.WheelNext;
        }

        if (entry.WheelNext != Empty)
        {
            _entries[entry.WheelNext].WheelPrev = entry.WheelPrev;
        }

        entry.WheelNext = Empty;
        entry.WheelPrev = Empty;
        entry.WheelSlot = NotFiled;
    }
}
