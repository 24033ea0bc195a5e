using System.Globalization;

namespace SharpLvs.Daemon;

/// <summary>lvsd's real-server mode: <c>lvsd --decapsulate [--tun-port N]... [--device NAME]</c>.</summary>
internal sealed record DecapsulatorOptions(IReadOnlyList<ushort> GuePorts, string Device, bool ShowHelp)
{
    public const string DefaultDevice = "lvsdecap0";

    public const string Usage = """
        Usage: lvsd --decapsulate [--tun-port PORT]... [--device NAME]

        Real-server mode, for kernels without ipip (or fou): receives what a SharpLVS or
        kernel IPVS director sends by TUN forwarding, IP-in-IP (IP protocols 4 and 41), GRE
        (47) and, with --tun-port, GUE on that UDP port, and hands the inner packets to a TUN device
        so the host delivers them to the VIP (set it up with 'lvsadm realserver setup
        --mode tun'). Runs in the foreground in the current network namespace.

              --tun-port PORT  also receive GUE on UDP PORT (repeatable), as '-a ... -i
                               --tun-type gue --tun-port PORT' on the director
              --device NAME    the TUN device to create (default lvsdecap0)
          -h, --help           this text

        SIGTERM or SIGINT stop it; the device goes and rp_filter is restored.
        """;

    public static bool IsRequested(string[] args) => args.Contains("--decapsulate");

    public static DecapsulatorOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var ports = new List<ushort>();
        var device = DefaultDevice;
        var help = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--decapsulate":
                    break;
                case "--tun-port" when i + 1 < args.Length
                    && ushort.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port != 0:
                    ports.Add(port);
                    i++;
                    break;
                case "--tun-port":
                    error = "--tun-port needs a port number 1..65535";
                    return null;
                case "--device" when i + 1 < args.Length && args[i + 1].Length is > 0 and < 16 && !args[i + 1].Contains('/'):
                    device = args[++i];
                    break;
                case "--device":
                    error = "--device needs an interface name (at most 15 characters)";
                    return null;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    error = $"unknown argument '{args[i]}' (with --decapsulate)";
                    return null;
            }
        }

        return new DecapsulatorOptions(ports.Distinct().ToArray(), device, help);
    }
}
