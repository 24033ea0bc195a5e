using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using SharpLvs.Daemon;

if (DecapsulatorOptions.IsRequested(args))
{
    return DecapsulatorMain.Run(args);
}

var options = DaemonOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"lvsd: {error}");
    Console.Error.WriteLine("Try 'lvsd --help'.");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}

using var loggerFactory = LoggerFactory.Create(builder => builder
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
        console.ColorBehavior = LoggerColorBehavior.Disabled;
    })
    .AddFilter(level => level >= LogLevel.Information)
    .Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
var logger = loggerFactory.CreateLogger("lvsd");

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

try
{
    using var director = Director.Start(options, logger);
    stop.Token.WaitHandle.WaitOne();
    return 0;
}
catch (DirectorStartException e)
{
    Console.Error.WriteLine($"lvsd: {e.Message}");
    return 1;
}

void OnSignal(PosixSignalContext context)
{
    // Handled here: the director's Dispose undoes the guard and offloads, then Main returns.
    context.Cancel = true;
    stop.Cancel();
}
