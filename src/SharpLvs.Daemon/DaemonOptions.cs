namespace SharpLvs.Daemon;

/// <summary>lvsd's command line. Kept small: rules come from lvsadm, not from flags.</summary>
internal sealed record DaemonOptions(IReadOnlyList<string> Interfaces, bool AnswerArp, bool ShowHelp)
{
    public const string Usage = """
        Usage: lvsd [--interface IF]... [--no-arp]

        The SharpLVS director daemon. Runs in the foreground in the current network
        namespace (one lvsd per namespace, as the kernel has one IPVS table per namespace)
        and takes its rules from lvsadm, which speaks ipvsadm's syntax.

          -i, --interface IF   serve IF (repeatable); default: every interface that is up,
                               except loopback
              --no-arp         never answer ARP for a VIP; by default lvsd answers ARP for a
                               VIP that is configured on no interface, on the interface
                               whose subnet holds it
          -h, --help           this text

        On a real server: 'lvsd --decapsulate --help' (unwraps LVS-TUN packets without ipip).

        SIGTERM or SIGINT stop it cleanly (the kernel guard and offload settings are undone).
        """;

    /// <summary>Parses argv; returns null with a message naming what was wrong.</summary>
    public static DaemonOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var interfaces = new List<string>();
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

        return new DaemonOptions(interfaces, answerArp, help);
    }
}
