using SharpLvs.Control.Ipvsadm;
using SharpLvs.Core.Services;

namespace SharpLvs.Daemon;

/// <summary>lvsd's command line. Kept small: rules come from lvsadm, not from flags.</summary>
internal sealed record DaemonOptions(IReadOnlyList<string> Interfaces, bool AnswerArp, bool ShowHelp)
{
    public const string Usage = """
        Usage: lvsd [--interface IF]... [--no-arp] [--tunable NAME=VALUE]...

        The SharpLVS director daemon. Runs in the foreground in the current network
        namespace (one lvsd per namespace, as the kernel has one IPVS table per namespace)
        and takes its rules from lvsadm, which speaks ipvsadm's syntax.

          -i, --interface IF   serve IF (repeatable); default: every interface that is up,
                               except loopback
              --no-arp         never answer ARP for a VIP; by default lvsd answers ARP for a
                               VIP that is configured on no interface, on the interface
                               whose subnet holds it
          -t, --tunable NAME=VALUE
                               set one of the /proc/sys/net/ipv4/vs switches lvsd
                               implements (repeatable): conn_reuse_mode,
                               expire_nodest_conn, expire_quiescent_template,
                               schedule_icmp, sloppy_tcp; change them later with
                               lvsadm --tunable NAME VALUE
          -h, --help           this text

        On a real server: 'lvsd --decapsulate --help' (unwraps LVS-TUN packets without ipip).

        SIGTERM or SIGINT stop it cleanly (the kernel guard and offload settings are undone).
        """;

    /// <summary>Tunables to set before the first rule arrives (<c>--tunable</c>), in order.</summary>
    public IReadOnlyList<TunableSetting> Tunables { get; init; } = [];

    private static TunableSetting? ParseTunable(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !IpvsTunables.Default.TryGet(text[..equals], out _)
            || !int.TryParse(text[(equals + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return new TunableSetting(text[..equals], value);
    }

    /// <summary>Parses argv; returns null with a message naming what was wrong.</summary>
    public static DaemonOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var interfaces = new List<string>();
        var tunables = new List<TunableSetting>();
        var answerArp = true;
        var help = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-i" or "--interface":
                    if (i + 1 >= args.Length || args[i + 1].Length == 0)
                    {
                        error = $"{args[i]} needs an interface name";
                        return null;
                    }

                    interfaces.Add(args[++i]);
                    break;
                case "-t" or "--tunable":
                    if (i + 1 >= args.Length || ParseTunable(args[i + 1]) is not { } tunable)
                    {
                        error = $"{args[i]} needs NAME=VALUE with NAME one of {string.Join(", ", IpvsTunables.Names)} and an integer VALUE";
                        return null;
                    }

                    tunables.Add(tunable);
                    i++;
                    break;
                case "--no-arp":
                    answerArp = false;
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    error = $"unknown argument '{args[i]}'";
                    return null;
            }
        }

        return new DaemonOptions(interfaces, answerArp, help) { Tunables = tunables };
    }
}
