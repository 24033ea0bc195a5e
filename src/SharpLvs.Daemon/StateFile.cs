using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpLvs.Daemon;

/// <summary>
/// Where lvsd keeps its rules between runs, and how it writes them: to a temporary file in the
/// same directory, fsync, rename over the old file, fsync the directory, so that after a crash
/// (kill -9, power loss) the file holds either the old rules or the new ones, never a mix.
/// </summary>
/// <remarks>
/// The kernel keeps one IPVS table per network namespace, so lvsd keeps one file per
/// namespace: /run/sharplvs/netns-INODE/rules, INODE being the inode of /proc/self/ns/net.
/// /run because the rules, like the kernel's, belong to this boot (use lvsadm-save and
/// lvsadm-restore to carry them across a reboot, as with ipvsadm). An inode can be reused once
/// its namespace is gone, so the file also records the namespace's cookie (SO_NETNS_COOKIE,
/// unique for the whole boot): a file left by a dead namespace that had the same inode is not
/// restored.
/// </remarks>
internal sealed partial class StateFile
{
    public const string DefaultRoot = "/run/sharplvs";
    private const string CookiePrefix = "# netns cookie ";

    private StateFile(string path, bool checkNamespace, ulong? cookie)
    {
        Path = path;
        CheckNamespace = checkNamespace;
        NamespaceCookie = cookie;
    }

    public string Path { get; }

    /// <summary>False for a path given with --state-file: the administrator chose it, lvsd restores it whatever namespace wrote it.</summary>
    public bool CheckNamespace { get; }

    public ulong? NamespaceCookie { get; }

    /// <summary>The comment line recording which namespace wrote the file.</summary>
    public string? NamespaceLine => NamespaceCookie is { } cookie
        ? string.Create(CultureInfo.InvariantCulture, $"netns cookie {cookie}")
        : null;

    public static StateFile ForNamespace(string root = DefaultRoot)
    {
        var link = File.ResolveLinkTarget("/proc/self/ns/net", returnFinalTarget: false)?.ToString() ?? "";
        var open = link.IndexOf('[', StringComparison.Ordinal);
        var close = link.IndexOf(']', StringComparison.Ordinal);
        if (open < 0 || close < open || !ulong.TryParse(link.AsSpan(open + 1, close - open - 1), CultureInfo.InvariantCulture, out var inode))
        {
            throw new DirectorStartException($"cannot tell this network namespace's inode from /proc/self/ns/net ('{link}'); give --state-file");
        }

        var path = System.IO.Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"netns-{inode}"), "rules");
        return new StateFile(path, checkNamespace: true, ReadCookie());
    }

    public static StateFile At(string path) => new(System.IO.Path.GetFullPath(path), checkNamespace: false, ReadCookie());

    /// <summary>
    /// The saved text, or null when there is none to restore (no file, or a file another
    /// namespace left; <paramref name="why"/> says which).
    /// </summary>
    public string? Load(out string why)
    {
        if (!File.Exists(Path))
        {
            why = $"no state file at {Path}; starting with an empty table";
            return null;
        }

        var text = File.ReadAllText(Path, Encoding.UTF8);
        if (CheckNamespace && NamespaceCookie is { } cookie && RecordedCookie(text) is { } recorded && recorded != cookie)
        {
            why = $"{Path} was written by an earlier network namespace with the same inode (cookie {recorded}, now {cookie}); not restored";
            return null;
        }

        why = $"restoring rules from {Path}";
        return text;
    }

    /// <summary>Moves an unreadable file aside (rules.bad) so that the next save does not destroy it.</summary>
    public string SetAside()
    {
        var aside = Path + ".bad";
        File.Move(Path, aside, overwrite: true);
        return aside;
    }

    /// <summary>Atomic replace: temp file, fsync, rename, fsync of the directory.</summary>
    public void Save(string text) => WriteAtomically(Path, Encoding.UTF8.GetBytes(text));

    /// <summary>Where a clean stop leaves the connection table for the next start (ConnectionDumpFile).</summary>
    public string ConnectionsPath => Sibling("connections");

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/> so that a crash at any
    /// point leaves the old file or the new one: temp file, fsync, rename, fsync of the directory.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>A path next to the state file.</summary>
    public string Sibling(string name) => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, name);

    private static ulong? RecordedCookie(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith('#'))
            {
                break;
            }

            if (line.StartsWith(CookiePrefix, StringComparison.Ordinal) &&
                ulong.TryParse(line[CookiePrefix.Length..], CultureInfo.InvariantCulture, out var cookie))
            {
                return cookie;
            }
        }

        return null;
    }

    /// <summary>SO_NETNS_COOKIE (Linux 5.14+); null where the kernel does not have it.</summary>
    private static ulong? ReadCookie()
    {
        const int solSocket = 1;
        const int soNetnsCookie = 71;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            Span<byte> value = stackalloc byte[8];
            var length = socket.GetRawSocketOption(solSocket, soNetnsCookie, value);
            return length == 8 ? BitConverter.ToUInt64(value) : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static void SyncDirectory(string directory)
    {
        // A rename is durable only once the directory itself is synced (fsync(2) NOTES).
        var fd = Open(directory, 0x10000 /* O_RDONLY | O_DIRECTORY */);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
