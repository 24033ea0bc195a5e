using System.Globalization;
using SharpLvs.Bench.Generator;

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"lvsgen: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

if (options.Command == "report")
{
    Console.Out.Write(Report.Build(options.Input, options.Title));
    return 0;
}

if (options.Command == "http-report")
{
    Console.Out.Write(HttpReport.Build(options.Input, options.Title, options.ChartData.Length > 0 ? options.ChartData : null));
    return 0;
}

if (options.Command == "sink")
{
    Sink.Run(options);
    return 0;
}

using ISender sender = options.Mode switch
{
    "packet" => new PacketSender(options),
    "syn" => new SynSender(options),
    _ => new UdpSender(options),
};
var result = Pacer.Run(sender, options.Pps, options.Seconds);
Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sent={result.Sent} seconds={result.Seconds:F6} pps={result.Sent / result.Seconds:F0}"));
return 0;
