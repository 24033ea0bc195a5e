using BenchmarkDotNet.Attributes;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests;
using SharpLvs.Packets;

namespace SharpLvs.Bench.Micro;

/// <summary>
/// The connection table at 1 M live entries (lvsd's default capacity, 3/4 full): lookup hit
/// and miss, insert + remove, and insert + expiry through the timer wheel. Operation counts
/// are per connection.
/// </summary>
[MemoryDiagnoser]
public class ConnectionTableBenchmarks
{
    private const int Live = 768 * 1024;
    private const int Batch = 1024;
    private ConnectionTable _table = null!;
    private ConnectionTable _expiring = null!;
    private FlowKey[] _hits = null!;
    private FlowKey[] _misses = null!;
    private FlowKey[] _fresh = null!;
    private RealServer _server = null!;
    private IpvsStats _stats = null!;
    private long _now = 1_000_000;

    [GlobalSetup]
    public void Setup()
    {
        _table = new ConnectionTable(1 << 20);
        _expiring = new ConnectionTable(4 * Batch);
        _server = TestServices.Server('A');
        _stats = new IpvsStats();
        _hits = new FlowKey[Batch];
        for (var i = 0; i < Live; i++)
        {
            var key = Key(0xC6138000u + (uint)(i >> 8), (ushort)(1024 + (i & 255)));
            _table.Add(key, _server, DirectRoutingForwarder.Instance, _stats, _now);
            if (i % (Live / Batch) == 0)
            {
                _hits[i / (Live / Batch)] = key;
            }
        }

        _misses = [.. Enumerable.Range(0, Batch).Select(i => Key(0xC6130000u + (uint)i, 7))];
        _fresh = [.. Enumerable.Range(0, Batch).Select(i => Key(0xC6120000u + (uint)i, 9))];
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "lookup, hit (1 of 768 K live)")]
    public int LookupHit()
    {
        var sum = 0;
        foreach (ref readonly var key in _hits.AsSpan())
        {
            sum += _table.Lookup(key);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "lookup, miss")]
    public int LookupMiss()
    {
        var sum = 0;
        foreach (ref readonly var key in _misses.AsSpan())
        {
            sum += _table.Lookup(key);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "insert + remove")]
    public void InsertRemove()
    {
        foreach (ref readonly var key in _fresh.AsSpan())
        {
            _table.Remove(_table.Add(key, _server, DirectRoutingForwarder.Instance, _stats, _now));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "insert + expiry by the timer wheel")]
    public int InsertExpire()
    {
        // A new entry's first timer is 3 s (ConnectionTable.Add); 4 wheel ticks later Expire
        // unlinks each entry from its slot without scanning the table. A table of its own: the
        // 768 K entries above are never expired (lookups need them).
        foreach (ref readonly var key in _fresh.AsSpan())
        {
            _expiring.Add(key, _server, DirectRoutingForwarder.Instance, _stats, _now);
        }

        _now += 4000;
        return _expiring.Expire(_now);
    }

    private static FlowKey Key(uint client, ushort port) =>
        new(IpProtocols.Tcp, InetAddress.FromV4(client), port, TestServices.Vip, 80);
}
