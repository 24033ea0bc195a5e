using System.Text;

namespace SharpLvs.Linux.Tunnel;

/// <summary>An interface's up/down flag and index by name (SIOCGIFFLAGS / SIOCSIFFLAGS / SIOCGIFINDEX).</summary>
internal static unsafe class LinkFlags
{
    public static bool IsUp(string name) => TryGet(name, Interop.SIOCGIFFLAGS, out var flags) && (flags & (int)Interop.IFF_UP) != 0;

    public static void SetUp(string name, bool up)
    {
        using var socket = Open();
        var request = Request(name);
        if (Interop.Ioctl(socket.Fd, Interop.SIOCGIFFLAGS, &request) < 0)
        {
            ThrowHelper.ThrowErrno($"SIOCGIFFLAGS {name}", Interop.Errors.Last);
        }

        request.Value = up ? request.Value | (int)Interop.IFF_UP : request.Value & ~(int)Interop.IFF_UP;
        if (Interop.Ioctl(socket.Fd, Interop.SIOCSIFFLAGS, &request) < 0)
        {
            ThrowHelper.ThrowErrno($"SIOCSIFFLAGS {name} {(up ? "up" : "down")}", Interop.Errors.Last);
        }
    }

    /// <summary>The interface's index, or 0 if there is none by that name.</summary>
    public static int IndexOf(string name) => TryGet(name, Interop.SIOCGIFINDEX, out var index) ? index : 0;

    private static bool TryGet(string name, uint request, out int value)
    {
        using var socket = Open();
        var ifr = Request(name);
        var ok = Interop.Ioctl(socket.Fd, request, &ifr) >= 0;
        value = ok ? ifr.Value : 0;
        return ok;
    }

    private static Interop.IfReqFlags Request(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length >= Interop.IFNAMSIZ)
        {
            throw new ArgumentException($"interface name '{name}' is too long", nameof(name));
        }

        var request = default(Interop.IfReqFlags);
        bytes.CopyTo(new Span<byte>(request.Name, Interop.IFNAMSIZ));
        return request;
    }

    private static FileDescriptorHandle Open() =>
        Interop.OpenSocket(Interop.AF_INET, Interop.SOCK_DGRAM, 0, "socket(AF_INET) for interface flags");
}
