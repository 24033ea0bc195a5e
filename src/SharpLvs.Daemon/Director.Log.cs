using Microsoft.Extensions.Logging;

namespace SharpLvs.Daemon;

internal sealed partial class Director
{
    [LoggerMessage(1, LogLevel.Information, "serving {Interface} (ifindex {IfIndex}, {Mac}, mtu {Mtu})")]
    private partial void LogServing(string @interface, int ifIndex, string mac, int mtu);

    [LoggerMessage(2, LogLevel.Information, "ready; lvsadm reaches this lvsd at @{Socket} in this network namespace")]
    private partial void LogReady(string socket);

    [LoggerMessage(3, LogLevel.Information, "offloads: {Description}")]
    private partial void LogOffloads(string description);

    [LoggerMessage(4, LogLevel.Information, "offloads restored: {Description}")]
    private partial void LogOffloadsRestored(string description);

    [LoggerMessage(5, LogLevel.Information, "kernel guard: nftables table netdev sharplvs drops the served tuples at ingress on {Description}")]
    private partial void LogGuard(string description);

    [LoggerMessage(6, LogLevel.Information, "rules: {Change}")]
    private partial void LogRuleChange(string change);

    [LoggerMessage(7, LogLevel.Information, "now {Services} virtual services, {RealServers} real servers; answering ARP and neighbour solicitations for [{ArpVips}]")]
    private partial void LogPublished(int services, int realServers, string arpVips);

    [LoggerMessage(8, LogLevel.Information, "neighbours: {Message}")]
    private partial void LogResolver(string message);

    [LoggerMessage(16, LogLevel.Warning, "solicited-node groups: {Message}")]
    private partial void LogNeighbourGroups(string message);

    [LoggerMessage(9, LogLevel.Warning, "control connection failed: {Message}")]
    private partial void LogControlError(string message);

    [LoggerMessage(10, LogLevel.Error, "could not undo {Step}: {Message}")]
    private partial void LogUndoFailed(string step, string message);

    [LoggerMessage(11, LogLevel.Information, "stopped; kernel guard removed")]
    private partial void LogStopped();

    [LoggerMessage(12, LogLevel.Error, "rules not published: {Message}")]
    private partial void LogPublishFailed(string message);

    [LoggerMessage(13, LogLevel.Information, "statistics zeroed ({Scope})")]
    private partial void LogZeroed(string scope);

    [LoggerMessage(14, LogLevel.Warning, "no next hop yet for real server {Address} ({Count} new real servers unresolved) after {WaitMs} ms (no route or no ARP answer); their connections are dropped until they resolve")]
    private partial void LogUnresolved(string address, int count, int waitMs);

    [LoggerMessage(15, LogLevel.Warning, "drops since start: {Drops}")]
    private partial void LogDrops(string drops);

    [LoggerMessage(16, LogLevel.Information, "packet port: {Description}")]
    private partial void LogPort(string description);

    [LoggerMessage(17, LogLevel.Warning, "XDP steering not fully updated (those flows take the AF_PACKET path): {Message}")]
    private partial void LogSteeringFailed(string message);

    [LoggerMessage(18, LogLevel.Information, "AF_XDP: {Counters}")]
    private partial void LogXdp(string counters);

    [LoggerMessage(40, LogLevel.Information, "data plane thread: {Placement}")]
    private partial void LogPlacement(string placement);
}
