using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SharpLvs.Linux.Tests.Testbed;

/// <summary>
/// A network namespace this test created (name with a per-run prefix, TESTBED rules),
/// deleted on Dispose. Code runs inside it on a dedicated thread moved there with setns:
/// sockets created on that thread stay in the namespace wherever they are used later.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private static readonly string RunPrefix = $"slvt{Environment.ProcessId % 100000}x{Random.Shared.Next(1000, 9999)}";
    private static int _counter;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetworkNamespace Create(string role)
    {
        var name = $"{RunPrefix}{Interlocked.Increment(ref _counter)}{role}";
        Shell.Run("ip", $"netns add {name}");
        var ns = new NetworkNamespace(name);
        try
        {
            ns.Ip("link set lo up");
        }
        catch
        {
            // Not returned, so no caller's `using` would delete it.
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>Runs `ip -n NAME ARGS` and returns its output.</summary>
    public string Ip(string arguments) => Shell.Run("ip", $"-n {Name} {arguments}");

    /// <summary>Runs a program inside the namespace (ip netns exec).</summary>
    public string Exec(string program, string arguments) => Shell.Run("ip", $"netns exec {Name} {program} {arguments}");

    public int IfIndex(string device)
    {
        var line = Ip($"-o link show dev {device}");
        return int.Parse(line.AsSpan(0, line.IndexOf(':', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has entered this namespace.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (Native.SetNs((int)handle.DangerousGetHandle(), Native.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns({Name}) failed: errno {Native.Errors.Last}");
                }

                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    public void Dispose() => Shell.TryRun("ip", $"netns del {Name}");

    /// <summary>Connects two namespaces with a veth pair and addresses both ends.</summary>
    public static void Link(NetworkNamespace a, string aDevice, string aAddress, NetworkNamespace b, string bDevice, string bAddress)
    {
        a.Ip($"link add {aDevice} type veth peer name {bDevice} netns {b.Name}");
        a.Ip($"addr add {aAddress} dev {aDevice}");
        b.Ip($"addr add {bAddress} dev {bDevice}");
        a.Ip($"link set {aDevice} up");
        b.Ip($"link set {bDevice} up");
    }
}

internal static class Shell
{
    public static string Run(string program, string arguments)
    {
        var (code, output, error) = Execute(program, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} exited {code}: {error}");
        }

        return output;
    }

    public static void TryRun(string program, string arguments) => Execute(program, arguments);

    private static (int Code, string Output, string Error) Execute(string program, string arguments)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill();
            throw new TimeoutException($"{program} {arguments} did not finish");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
