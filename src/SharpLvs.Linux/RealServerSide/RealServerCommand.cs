using SharpLvs.Packets;

namespace SharpLvs.Linux.RealServerSide;

/// <summary>
/// <c>lvsadm realserver setup|teardown|script --vip VIP [--mode dr|tun] [--interface IF]</c>:
/// prepares this host (or prints the script that does) to be a real server. Runs locally;
/// no lvsd is involved.
/// </summary>
public static class RealServerCommand
{
    public const string Usage = """
        Usage: lvsadm realserver setup|teardown|script --vip VIP [--mode dr|tun] [--interface IF]

          setup     put the VIP on lo (/32 or /128), set arp_ignore=1 and arp_announce=2
                    (all, lo and IF), for tun also rp_filter=0 and tunl0 up where the
                    kernel has ipip; idempotent, the previous values are kept
          teardown  undo setup for the VIP; the last VIP restores the sysctls
          script    print the equivalent start|stop shell script

        The previous values are kept in /run/sharplvs (or $SHARPLVS_RUN_DIR), one file per
        network namespace.
        """;

    /// <summary>Where the state lives instead of /run/sharplvs (tests keep it in their own directory).</summary>
    public const string StateDirectoryVariable = "SHARPLVS_RUN_DIR";

    /// <summary>Runs the subcommand (arguments after "realserver"); returns the exit status.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, string? stateDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!TryParse(args, out var action, out var options, out var problem))
        {
            error.WriteLine($"lvsadm realserver: {problem}");
            error.WriteLine(Usage);
            return 2;
        }

        if (action == "help")
        {
            output.WriteLine(Usage);
            return 0;
        }

        if (action == "script")
        {
            output.Write(RealServerScript.For(options!));
            return 0;
        }

        try
        {
            var setup = new RealServerSetup(output.WriteLine, stateDirectory);
            if (action == "setup")
            {
                setup.Setup(options!);
            }
            else
            {
                setup.Teardown(options!);
            }

            return 0;
        }
        catch (Exception e) when (e is LinuxException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"lvsadm realserver {action}: {e.Message}");
            return 1;
        }
    }

    internal static bool TryParse(IReadOnlyList<string> args, out string action, out RealServerOptions? options, out string? problem)
    {
        action = string.Empty;
        options = null;
        problem = null;
        if (args.Count == 0)
        {
            problem = "missing action (setup, teardown or script)";
            return false;
        }

        action = args[0];
        if (action is "-h" or "--help" or "help")
        {
            action = "help";
            return true;
        }

        if (action is not ("setup" or "teardown" or "script"))
        {
            problem = $"unknown action '{action}'";
            return false;
        }

        InetAddress? vip = null;
        var mode = RealServerMode.DirectRouting;
        string? iface = null;
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                problem = $"{name} needs a value";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--vip" when InetAddress.TryParse(value, out var address) && !address.IsNone:
                    vip = address;
                    break;
                case "--vip":
                    problem = $"'{value}' is not an IP address";
                    return false;
                case "--mode" when value is "dr" or "tun":
                    mode = value == "tun" ? RealServerMode.Tunnel : RealServerMode.DirectRouting;
                    break;
                case "--mode":
                    problem = $"--mode must be dr or tun, not '{value}'";
                    return false;
                case "--interface" when value.Length is > 0 and < 16 && !value.Contains('/') && value != "." && value != "..":
                    iface = value;
                    break;
                case "--interface":
                    problem = $"'{value}' is not an interface name";
                    return false;
                default:
                    problem = $"unknown option '{name}'";
                    return false;
            }
        }

        if (vip is null)
        {
            problem = "--vip VIP is required";
            return false;
        }

        options = new RealServerOptions(vip.Value, mode, iface);
        return true;
    }
}
