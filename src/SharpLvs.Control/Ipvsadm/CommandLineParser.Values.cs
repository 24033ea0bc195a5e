using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Control.Ipvsadm.OptionScanner;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>The value parsers behind the options, with ipvsadm's ranges and messages.</summary>
public sealed partial class CommandLineParser
{
    private ServiceRuleFlags ParseSchedulerFlags(string scheduler, string text)
    {
        var name = scheduler.Length != 0 ? scheduler : DefaultScheduler;
        var flags = ServiceRuleFlags.None;
        foreach (var flag in text.Split(',', StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty(""))
        {
            (ServiceRuleFlags bit, string? needs) parsed = flag switch
            {
                "flag-1" => (ServiceRuleFlags.Scheduler1, null),
                "flag-2" => (ServiceRuleFlags.Scheduler2, null),
                "flag-3" => (ServiceRuleFlags.Scheduler3, null),
                "sh-fallback" => (ServiceRuleFlags.Scheduler1, "sh"),
                "sh-port" => (ServiceRuleFlags.Scheduler2, "sh"),
                "mh-fallback" => (ServiceRuleFlags.Scheduler1, "mh"),
                "mh-port" => (ServiceRuleFlags.Scheduler2, "mh"),
                _ => throw Fail($"invalid scheduler flag `{flag}'"),
            };
            if (parsed.needs is not null && parsed.needs != name)
            {
                throw Fail($"incompatible scheduler flag `{flag}'");
            }

            flags |= parsed.bit;
        }

        return flags;
    }

    private static uint ParseTimeout(string text, long min) =>
        CNumbers.TryParseRange(text, min, MaxTimeout, out var value)
            ? (uint)value
            : throw Fail($"invalid timeout value `{text}' specified");

    private static uint ParseFirewallMark(string text) =>
        CNumbers.TryParseRange(text, 1, uint.MaxValue, out var value)
            ? (uint)value
            : throw Fail($"invalid fwmark value `{text}' specified");

    private static string ParseMcastGroup(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return AddressParser.TryParseIPv6(text, out var v6) && (v6.High >> 56) == 0xFF
                ? v6.ToString()
                : throw Fail($"invalid IPv6 mcast-group `{text}'");
        }

        return System.Net.IPAddress.TryParse(text, out _) && InetAddress.TryParse(text, out var v4) && v4.IsIPv4 && (v4.V4 >> 28) == 0xE
            ? v4.ToString()
            : throw Fail($"invalid IPv4 mcast-group `{text}'");
    }

    private static long Number(string text, long min, long max, string message) =>
        CNumbers.TryParseRange(text, min, max, out var value) ? value : throw Fail(message);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private ParseOutcome TryHelp() =>
        ParseOutcome.Fail(ExitCodes.OperationFailed, $"Try `{_program} -h' or '{_program} --help' for more information.");

    private static ParseFailure Fail(string message) => new(ExitCodes.BadArgument, message);

    private static ServiceRule EmptyService() =>
        new(new ServiceKey(0, InetAddress.FromV4(0), 0), "");

    private static DestinationRule EmptyDestination() => new(InetAddress.FromV4(0), 0);
}
