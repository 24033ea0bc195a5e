using System.Globalization;
using System.Net;

namespace SharpLvs.Bench.Generator;

/// <summary>Command-line options shared by the <c>send</c> and <c>sink</c> subcommands.</summary>
internal sealed class Options
{
    public string Command { get; private set; } = "send";
    public string Mode { get; private set; } = "packet";
    public string Device { get; private set; } = "";
    public byte[] DstMac { get; private set; } = [];
    public byte[] SrcMac { get; private set; } = [];
    public IPAddress Src { get; private set; } = IPAddress.None;
    public IPAddress Dst { get; private set; } = IPAddress.None;
    public ushort Port { get; private set; } = 9000;
    public ushort SrcPortBase { get; private set; } = 20000;
    public int Flows { get; private set; } = 64;
    public int Sources { get; private set; } = 1 << 20;
    public int SourceOffset { get; private set; }
    public int Batch { get; private set; } = 64;
    public long Pps { get; private set; }
    public double Seconds { get; private set; } = 3;
    public bool Drain { get; private set; }
    public string Input { get; private set; } = "";
    public string ChartData { get; private set; } = "";
    public string Title { get; private set; } = "## Direct-Routing packet benchmark";

    public const string Usage = """
        usage: lvsgen send --dev IF --dst-mac MAC --src IP --dst VIP [--port 9000] [--flows 64]
                          [--batch 64] [--pps N (0 = unlimited)] [--seconds 3] [--mode packet|udp]
                          [--src-mac MAC] [--src-port-base 20000] [--sources 1048576] [--source-offset 0]
               lvsgen sink [--port 9000] [--seconds 600] [--drain]
               lvsgen report --input RUNS.tsv [--title TEXT]
               lvsgen http-report --input RUNS.tsv [--title TEXT] [--chart-data FILE]
          send: 60-byte UDP frames over --flows source ports; prints 'sent=N seconds=S pps=R'.
            packet: raw AF_PACKET + PACKET_QDISC_BYPASS, frames addressed to --dst-mac.
            udp:    one UDP socket per flow, sendmmsg; the route/neighbour decides the MAC.
            syn:    TCP SYNs (raw, like packet) from --sources clients in 198.18.128.0/17,
                    each a new connection (address first, then source port from 1024).
          sink: binds UDP --port so datagrams are absorbed without ICMP; --drain reads and
                prints 'received=N', otherwise the socket only holds the port.
          report: medians and ratios of the runs bench/dr.sh recorded, as a markdown table.
          http-report: the same for bench/http.sh's wrk runs (and gnuplot data of ×direct).
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            o.Command = args[0];
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--drain")
            {
                o.Drain = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            switch (name)
            {
                case "--mode": o.Mode = value; break;
                case "--input": o.Input = value; break;
                case "--chart-data": o.ChartData = value; break;
                case "--title": o.Title = value; break;
                case "--dev": o.Device = value; break;
                case "--dst-mac": o.DstMac = ParseMac(value); break;
                case "--src-mac": o.SrcMac = ParseMac(value); break;
                case "--src": o.Src = IPAddress.Parse(value); break;
                case "--dst": o.Dst = IPAddress.Parse(value); break;
                case "--port": o.Port = ushort.Parse(value, CultureInfo.InvariantCulture); break;
                case "--src-port-base": o.SrcPortBase = ushort.Parse(value, CultureInfo.InvariantCulture); break;
                case "--source-offset": o.SourceOffset = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sources": o.Sources = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--flows": o.Flows = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--batch": o.Batch = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--pps": o.Pps = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seconds": o.Seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        o.Validate();
        return o;
    }

    private void Validate()
    {
        if (Command is not ("send" or "sink" or "report" or "http-report"))
        {
            throw new ArgumentException($"unknown command {Command}");
        }

        if (Command is "report" or "http-report")
        {
            if (!File.Exists(Input))
            {
                throw new ArgumentException("report needs --input FILE (the runs dr.sh wrote)");
            }

            return;
        }

        if (Seconds is <= 0 or > 3600)
        {
            throw new ArgumentException("--seconds must be in (0, 3600]");
        }

        if (Command == "sink")
        {
            return;
        }

        if (Mode is not ("packet" or "udp" or "syn"))
        {
            throw new ArgumentException("--mode is packet, udp or syn");
        }

        if (Sources is < 1 or > (1 << 15) * 64000)
        {
            throw new ArgumentException("--sources in [1, 32768 × 64000]");
        }

        if (Flows is < 1 or > 4096 || Batch is < 1 or > 1024 || Pps < 0)
        {
            throw new ArgumentException("--flows in [1, 4096], --batch in [1, 1024], --pps >= 0");
        }

        if (SrcPortBase + Flows > 65536)
        {
            throw new ArgumentException("--src-port-base + --flows exceeds 65535");
        }

        if (Src.Equals(IPAddress.None) || Dst.Equals(IPAddress.None))
        {
            throw new ArgumentException("--src and --dst are required");
        }

        if (Mode is "packet" or "syn" && (Device.Length == 0 || DstMac.Length != 6))
        {
            throw new ArgumentException("packet mode needs --dev and --dst-mac");
        }
    }

    private static byte[] ParseMac(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 6)
        {
            throw new ArgumentException($"bad MAC {text}");
        }

        return [.. parts.Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }
}
