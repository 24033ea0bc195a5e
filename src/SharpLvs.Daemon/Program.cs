using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
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

using var loggerFactory = DaemonLogging.Create();
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
