using System.Globalization;
using System.Text;
using SharpLvs.Packets;

namespace SharpLvs.Linux.RealServerSide;

/// <summary>
/// What <c>lvsadm realserver setup</c> changed in one network namespace, so teardown can put
/// it back: each sysctl's value from before the first setup, each VIP and whether setup
/// added it (or found it there), and whether tunl0 was down. One text file per namespace
/// (named by the namespace's inode), written whole and renamed into place.
/// </summary>
public sealed class RealServerState
{
    public const string DefaultDirectory = "/run/sharplvs";

    /// <summary>sysctl key → the value before SharpLVS touched it.</summary>
    public Dictionary<string, string> OriginalSysctls { get; } = new(StringComparer.Ordinal);

    /// <summary>VIP → true when setup added it (teardown removes only those).</summary>
    public Dictionary<InetAddress, bool> Vips { get; } = [];

    /// <summary>True when setup brought tunl0 up (teardown sets it down again).</summary>
    public bool RaisedTunl0 { get; set; }

    public bool IsEmpty => Vips.Count == 0;

    /// <summary>
    /// The state file of the caller's network namespace, named by its cookie
    /// (SO_NETNS_COOKIE, never reused while the system runs, as /run lasts), or by its inode
    /// on kernels without cookies (inodes of deleted namespaces are reused).
    /// </summary>
    public static string PathFor(string directory)
    {
        var id = NamespaceCookie() is { } cookie
            ? $"cookie-{cookie}"
            : "inode-" + new string((new FileInfo("/proc/self/ns/net").LinkTarget ?? "0").Where(char.IsAsciiDigit).ToArray());
        return Path.Combine(directory, $"realserver-netns-{id}.state");
    }

    private static unsafe ulong? NamespaceCookie()
    {
        const int SO_NETNS_COOKIE = 71;
        var fd = Interop.Socket(Interop.AF_INET, Interop.SOCK_DGRAM | Interop.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }

        using var socket = new FileDescriptorHandle(fd);
        ulong cookie = 0;
        var length = sizeof(ulong);
        return Interop.GetSockOpt(fd, Interop.SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) == 0 ? cookie : null;
    }

    public static RealServerState Load(string path)
    {
        var state = new RealServerState();
        if (!File.Exists(path))
        {
            return state;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
            {
                continue;
            }

            switch (fields[0])
            {
                case "sysctl" when fields.Length == 3:
                    state.OriginalSysctls[fields[1]] = fields[2];
                    break;
                case "vip" when fields.Length == 3 && InetAddress.TryParse(fields[1], out var vip):
                    state.Vips[vip] = fields[2] == "added";
                    break;
                case "tunl0" when fields.Length == 2:
                    state.RaisedTunl0 = fields[1] == "raised";
                    break;
                default:
                    throw new InvalidDataException($"{path}: unreadable line '{line}'");
            }
        }

        return state;
    }

    public void Save(string path)
    {
        var text = new StringBuilder("# SharpLVS real-server state (lvsadm realserver setup/teardown); do not edit\n");
        foreach (var (key, value) in OriginalSysctls)
        {
            text.Append(CultureInfo.InvariantCulture, $"sysctl {key} {value}\n");
        }

        foreach (var (vip, added) in Vips)
        {
            text.Append(CultureInfo.InvariantCulture, $"vip {vip} {(added ? "added" : "present")}\n");
        }

        if (RaisedTunl0)
        {
            text.Append("tunl0 raised\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}
