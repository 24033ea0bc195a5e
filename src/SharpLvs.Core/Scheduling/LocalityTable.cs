using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// The destination-address table of lblc and lblcr (ip_vs_lblc_table, ip_vs_lblcr_table):
/// 1024 buckets by hash_32(address, 10), each entry an address, its last use and a set of
/// servers (one for lblc). All storage is allocated up front, so scheduling never allocates:
/// each bucket holds up to 16 entries, 16 × 1024 being the kernel's max_size.
/// </summary>
/// <remarks>
/// What differs from the kernel: its chains grow without bound and its timer collects entries
/// idle for 6 minutes only once the table passes max_size; here a full bucket instead gives
/// up its least recently used entry to the newcomer at once. Below max_size both behave the
/// same: every 30th check (half an hour) drops entries idle for the expiration (24 h).
/// Touched only on the data-plane thread that schedules (the table moves from one scheduler
/// instance to the next on a rebuild, as the kernel keeps sched_data across dest changes).
/// </remarks>
internal sealed class LocalityTable
{
    internal const int BucketBits = 10;
    internal const int BucketCount = 1 << BucketBits;
    internal const int Ways = 16;
    internal const int Capacity = BucketCount * Ways;

    /// <summary>CHECK_EXPIRE_INTERVAL, 60 s.</summary>
    internal const long CheckIntervalMs = 60_000;

    /// <summary>DEFAULT_EXPIRATION, the lblc_expiration / lblcr_expiration sysctls' default: 24 h.</summary>
    internal const long DefaultExpirationMs = 24 * 60 * 60 * 1000L;

    /// <summary>COUNT_FOR_FULL_EXPIRATION: a full check every 30th timer run.</summary>
    private const int CountForFullExpiration = 30;

    private readonly InetAddress[] _addresses = new InetAddress[Capacity];
    private readonly long[] _lastUse = new long[Capacity];
    private readonly long[] _lastModified = new long[Capacity];
    private readonly byte[] _setSizes = new byte[Capacity];
    private readonly byte[] _bucketCounts = new byte[BucketCount];
    private readonly RealServer?[] _sets;
    private long _nextCheckMs = -1;
    private int _counter = 1;

    public LocalityTable(int setCapacity, long expirationMs = DefaultExpirationMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(setCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(setCapacity, byte.MaxValue);
        SetCapacity = setCapacity;
        ExpirationMs = expirationMs;
        _sets = new RealServer?[Capacity * setCapacity];
    }

    public int SetCapacity { get; }

    public long ExpirationMs { get; }

    /// <summary>The time of the last <see cref="Tick"/>, the kernel's jiffies for stamping entries.</summary>
    public long NowMs { get; private set; }

    /// <summary>Entries in use (the kernel's tbl->entries).</summary>
    public int Count { get; private set; }

    internal static int BucketOf(InetAddress address) => (int)SchedulingHash.Hash32(SchedulingHash.Fold(address), BucketBits);

    /// <summary>ip_vs_lblc_get: the entry of <paramref name="address"/>, or -1.</summary>
    public int Find(InetAddress address)
    {
        var bucket = BucketOf(address);
        var first = bucket * Ways;
        var end = first + _bucketCounts[bucket];
        for (var slot = first; slot < end; slot++)
        {
            if (_addresses[slot] == address)
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>A new, empty entry for <paramref name="address"/> (not already present), stamped now.</summary>
    public int Add(InetAddress address)
    {
        var bucket = BucketOf(address);
        var first = bucket * Ways;
        int slot;
        if (_bucketCounts[bucket] < Ways)
        {
            slot = first + _bucketCounts[bucket]++;
            Count++;
        }
        else
        {
            slot = first;
            for (var i = first + 1; i < first + Ways; i++)
            {
                if (_lastUse[i] < _lastUse[slot])
                {
                    slot = i;
                }
            }

            Set(slot).Clear();
        }

        _addresses[slot] = address;
        _lastUse[slot] = NowMs;
        _lastModified[slot] = NowMs;
        _setSizes[slot] = 0;
        return slot;
    }

    public void Touch(int slot) => _lastUse[slot] = NowMs;

    /// <summary>The entry's servers; the first <see cref="SetSize"/> are in use, most recently added first.</summary>
    public Span<RealServer?> Set(int slot) => _sets.AsSpan(slot * SetCapacity, SetCapacity);

    public ref byte SetSize(int slot) => ref _setSizes[slot];

    /// <summary>The lblcr set's lastmod: when a server last joined or left it.</summary>
    public ref long LastModified(int slot) => ref _lastModified[slot];

    internal long LastUse(int slot) => _lastUse[slot];

    /// <summary>
    /// ip_vs_lblc_check_expire, called about once a second: advances the clock; every 60 s
    /// counts a check and every 30th check drops the entries idle for the expiration.
    /// </summary>
    public void Tick(long nowMs)
    {
        NowMs = nowMs;
        if (_nextCheckMs < 0)
        {
            _nextCheckMs = nowMs + CheckIntervalMs;
            return;
        }

        if (nowMs < _nextCheckMs)
        {
            return;
        }

        _nextCheckMs = nowMs + CheckIntervalMs;
        if (_counter % CountForFullExpiration == 0)
        {
            FullCheck(nowMs);
            _counter = 1;
        }
        else
        {
            _counter++;
        }
    }

    /// <summary>ip_vs_lblc_full_check: drop every entry not used for the expiration.</summary>
    internal void FullCheck(long nowMs)
    {
        for (var bucket = 0; bucket < BucketCount; bucket++)
        {
            var first = bucket * Ways;

            // Backwards, since removing moves the bucket's last entry into the hole.
            for (var slot = first + _bucketCounts[bucket] - 1; slot >= first; slot--)
            {
                if (nowMs - _lastUse[slot] >= ExpirationMs)
                {
                    Remove(slot);
                }
            }
        }
    }

    private void Remove(int slot)
    {
        var bucket = slot / Ways;
        var last = (bucket * Ways) + _bucketCounts[bucket] - 1;
        if (slot != last)
        {
            _addresses[slot] = _addresses[last];
            _lastUse[slot] = _lastUse[last];
            _lastModified[slot] = _lastModified[last];
            _setSizes[slot] = _setSizes[last];
            Set(last).CopyTo(Set(slot));
        }

        // Drop the references so that servers deleted meanwhile can be collected.
        Set(last).Clear();
        _addresses[last] = default;
        _setSizes[last] = 0;
        _bucketCounts[bucket]--;
        Count--;
    }
}
