using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SharpLvs.Linux;

namespace SharpLvs.Daemon;

/// <summary><c>lvsd --decapsulate</c>: the real-server mode's entry, apart from the director's.</summary>
internal static class DecapsulatorMain
{
    public static int Run(string[] args)
    {
        var options = DecapsulatorOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine($"lvsd: {error}");
            Console.Error.WriteLine("Try 'lvsd --decapsulate --help'.");
            return 2;
        }

        if (options.ShowHelp)
        {
            Console.WriteLine(DecapsulatorOptions.Usage);
            return 0;
        }

        using var loggerFactory = DaemonLogging.Create();
        var logger = loggerFactory.CreateLogger("lvsd");

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        try
        {
            using var decapsulator = Decapsulator.Start(options, logger);
            stop.Token.WaitHandle.WaitOne();
            return 0;
        }
        catch (Exception e) when (e is LinuxException or System.Net.Sockets.SocketException or ArgumentException)
        {
            Console.Error.WriteLine($"lvsd: --decapsulate: {e.Message}");
            return 1;
        }

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
