namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// Which options each command takes, as ipvsadm's <c>commands_v_options</c> table states it:
/// '+' compulsory, 'x' illegal, '1' at most one of the '1' options, '.' optional. Columns
/// follow <see cref="AdminOptions"/> bit order; rows follow <see cref="AdminCommandKind"/>.
/// </summary>
internal static class OptionTable
{
    public const int OptionCount = 35;

    // Column key: n c svc s p M r fwd w x y mcast timeout daemon stats rate thresholds pconn
    //             nosort syncid exact ops pe b group port ttl maxlen tuninfo tuntype tunport
    //             nocsum csum remcsum laddr
    private static readonly string[] Rows =
    [
        /* add-service    */ "xx+...xxxxxxxxxxxxxxx...xxxxxxxxxxx",
        /* edit-service   */ "xx+...xxxxxxxxxxxxxxx...xxxxxxxxxxx",
        /* delete-service */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* flush          */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* list           */ ".11xxxxxxxxx11.......xxxxxxx.xxxxxx",
        /* add-server     */ "xx+xxx+....xxxxxxxxxxxxxxxxxx.....x",
        /* delete-server  */ "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* edit-server    */ "xx+xxx+....xxxxxxxxxxxxxxxxxx.....x",
        /* set            */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* start-daemon   */ "xxxxxxxxxxx.xxxxxxx.xxxx....xxxxxxx",
        /* stop-daemon    */ "xxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxx",
        /* restore        */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* save           */ ".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* zero           */ "xx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* add-mark       */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* del-mark       */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* list-marks     */ ".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* tunable        */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* list-tunables  */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        /* add-laddr      */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx+",
        /* del-laddr      */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx+",
        /* get-laddr      */ ".x.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ];

    /// <summary>ipvsadm's <c>cmdnames</c>, used in its messages.</summary>
    public static readonly string[] CommandNames =
    [
        "add-service", "edit-service", "delete-service", "flush", "list", "add-server",
        "delete-server", "edit-server", "set", "start-daemon", "stop-daemon", "restore", "save", "zero",
        "add-mark", "del-mark", "list-marks", "tunable", "list-tunables",
        "add-laddr", "del-laddr", "get-laddr",
    ];

    /// <summary>ipvsadm's <c>optnames</c>, used in its messages.</summary>
    public static readonly string[] OptionNames =
    [
        "numeric", "connection", "service-address", "scheduler", "persistent", "netmask",
        "real-server", "forwarding-method", "weight", "u-threshold", "l-threshold",
        "mcast-interface", "timeout", "daemon", "stats", "rate", "thresholds", "persistent-conn",
        "nosort", "syncid", "exact", "ops", "pe", "sched-flags", "mcast-group", "mcast-port",
        "mcast-ttl", "sync-maxlen", "tun-info", "tun-type", "tun-port", "tun-nocsum", "tun-csum",
        "tun-remcsum", "laddr",
    ];

    public static string NameOf(AdminOptions option) => OptionNames[BitIndex(option)];

    public static int BitIndex(AdminOptions option) => System.Numerics.BitOperations.TrailingZeroCount((ulong)option);

    /// <summary>generic_opt_check: null when the options suit the command, else ipvsadm's message.</summary>
    public static string? Check(AdminCommandKind command, AdminOptions options)
    {
        var row = Rows[(int)command - 1];
        var commandName = CommandNames[(int)command - 1];
        var firstExclusive = -1;
        for (var j = 0; j < OptionCount; j++)
        {
            var given = ((ulong)options & (1UL << j)) != 0;
            var rule = row[j];
            if (!given)
            {
                if (rule == '+')
                {
                    return $"You need to supply the '{OptionNames[j]}' option for the '{commandName}' command";
                }

                continue;
            }

            if (rule == 'x')
            {
                return $"Illegal '{OptionNames[j]}' option with the '{commandName}' command";
            }

            if (rule == '1')
            {
                if (firstExclusive < 0)
                {
                    firstExclusive = j;
                    continue;
                }

                return $"The option '{OptionNames[j]}' conflicts with the '{OptionNames[firstExclusive]}' option in the '{commandName}' command";
            }
        }

        return null;
    }

    /// <summary>
    /// tunnel_opt_check: which of tun-port, nocsum, csum, remcsum each tunnel type takes
    /// (ipip none; gue needs a port and one checksum mode; gre one checksum mode but csum/nocsum only).
    /// </summary>
    public static string? CheckTunnel(Rules.TunnelType type, AdminOptions options)
    {
        ReadOnlySpan<AdminOptions> columns =
        [
            AdminOptions.TunnelPort, AdminOptions.TunnelNoChecksum, AdminOptions.TunnelChecksum, AdminOptions.TunnelRemoteChecksum,
        ];
        var row = type switch
        {
            Rules.TunnelType.IpIp => "xxxx",
            Rules.TunnelType.Gue => "+111",
            _ => "x11x",
        };
        var typeName = TunnelTypeName(type);
        var firstExclusive = AdminOptions.None;
        for (var j = 0; j < columns.Length; j++)
        {
            var given = (options & columns[j]) != 0;
            if (!given)
            {
                if (row[j] == '+')
                {
                    return $"You need to supply the '{NameOf(columns[j])}' option for the '{typeName}' tunnel type";
                }

                continue;
            }

            if (row[j] == 'x')
            {
                return $"Illegal '{NameOf(columns[j])}' option with the '{typeName}' tunnel type";
            }

            if (row[j] == '1')
            {
                if (firstExclusive == AdminOptions.None)
                {
                    firstExclusive = columns[j];
                    continue;
                }

                return $"The option '{NameOf(columns[j])}' conflicts with the '{NameOf(firstExclusive)}' option in the '{typeName}' tunnel type";
            }
        }

        return null;
    }

    public static string TunnelTypeName(Rules.TunnelType type) => type switch
    {
        Rules.TunnelType.IpIp => "ipip",
        Rules.TunnelType.Gue => "gue",
        _ => "gre",
    };
}
