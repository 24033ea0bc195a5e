using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Tunnel;

namespace SharpLvs.Linux.RealServerSide;

/// <summary>
/// Makes this host a real server for a VIP, and undoes it: the VIP on lo as a host address,
/// the ARP sysctls (and TUN's rp_filter), tunl0 up where the kernel has ipip. Idempotent:
/// a second setup changes nothing and keeps the values from before the first; teardown
/// restores exactly those, the sysctls once the last VIP is gone. Works in the caller's
/// network namespace; the state lives in <see cref="RealServerState"/>.
/// </summary>
public sealed class RealServerSetup
{
    private const string Loopback = "lo";
    private const string Tunl0 = "tunl0";
    private readonly string _statePath;
    private readonly Action<string> _say;

    public RealServerSetup(Action<string> say, string? stateDirectory = null)
    {
        _say = say ?? throw new ArgumentNullException(nameof(say));
        _statePath = RealServerState.PathFor(stateDirectory ?? RealServerState.DefaultDirectory);
    }

    public void Setup(RealServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Interface is { } name && LinkFlags.IndexOf(name) == 0)
        {
            throw new LinuxException($"no interface '{name}'");
        }

        var state = RealServerState.Load(_statePath);
        var hasTunl0 = options.Mode == RealServerMode.Tunnel && LinkFlags.IndexOf(Tunl0) != 0;
        foreach (var (key, value) in options.Sysctls(hasTunl0))
        {
            var current = Sysctl.Read(key) ?? throw new LinuxException($"no sysctl {Sysctl.Root}{key}");
            state.OriginalSysctls.TryAdd(key, current);
            if (current != value)
            {
                Sysctl.Write(key, value);
                _say($"{key.Replace('/', '.')} = {value} (was {current})");
            }
        }

        if (!state.Vips.ContainsKey(options.Vip))
        {
            using var editor = new AddressEditor();
            var result = editor.Add(LinkFlags.IndexOf(Loopback), options.Vip, options.PrefixLength, options.Vip.IsIPv4 ? "lo:0" : null);
            if (result != 0 && result != -17)
            {
                throw new LinuxException($"adding {options.Vip}/{options.PrefixLength} to lo", -result);
            }

            state.Vips[options.Vip] = result == 0;
            _say(result == 0 ? $"{options.Vip}/{options.PrefixLength} added to lo" : $"{options.Vip}/{options.PrefixLength} was already on lo");
        }

        if (options.Mode == RealServerMode.Tunnel)
        {
            if (hasTunl0)
            {
                if (!LinkFlags.IsUp(Tunl0))
                {
                    LinkFlags.SetUp(Tunl0, up: true);
                    state.RaisedTunl0 = true;
                    _say("tunl0 up (the kernel's ipip decapsulates)");
                }
            }
            else
            {
                _say("this kernel has no ipip (no tunl0): run 'lvsd --decapsulate' to unwrap IP-in-IP and GUE");
            }
        }

        state.Save(_statePath);
    }

    /// <summary>Removes the VIP (if setup added it); the last VIP's teardown restores the sysctls and tunl0.</summary>
    public void Teardown(RealServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = RealServerState.Load(_statePath);
        if (!state.Vips.TryGetValue(options.Vip, out var added))
        {
            _say($"no setup recorded for {options.Vip}: nothing to undo");
            return;
        }

        if (added)
        {
            using var editor = new AddressEditor();
            var result = editor.Delete(LinkFlags.IndexOf(Loopback), options.Vip, options.PrefixLength);
            if (result != 0 && result != -99)
            {
                throw new LinuxException($"removing {options.Vip}/{options.PrefixLength} from lo", -result);
            }

            _say($"{options.Vip}/{options.PrefixLength} removed from lo");
        }

        state.Vips.Remove(options.Vip);
        if (state.IsEmpty)
        {
            foreach (var (key, value) in state.OriginalSysctls)
            {
                if (Sysctl.Read(key) is { } current && current != value)
                {
                    Sysctl.Write(key, value);
                    _say($"{key.Replace('/', '.')} = {value} (restored)");
                }
            }

            if (state.RaisedTunl0 && LinkFlags.IndexOf(Tunl0) != 0)
            {
                LinkFlags.SetUp(Tunl0, up: false);
                _say("tunl0 down (restored)");
            }

            File.Delete(_statePath);
        }
        else
        {
            state.Save(_statePath);
        }
    }
}
