using System.Text;

namespace SharpLvs.Linux.Tunnel;

/// <summary>
/// A layer-3 TUN device (IFF_TUN | IFF_NO_PI): each write is one IP packet that the kernel
/// receives as if it had arrived on that interface (tun_get_user → netif_rx), so a
/// decapsulated packet for a VIP on lo is delivered locally. The device lives as long as
/// this object (not persistent): disposing removes it.
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    private readonly FileDescriptorHandle _fd;

    private TunDevice(FileDescriptorHandle fd, string name, int ifIndex)
    {
        _fd = fd;
        Name = name;
        IfIndex = ifIndex;
    }

    public string Name { get; }

    public int IfIndex { get; }

    /// <summary>Creates the device (the kernel may pick the name from a pattern such as "lvstun%d") and sets it up.</summary>
    public static TunDevice Create(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length >= Interop.IFNAMSIZ)
        {
            throw new ArgumentException($"interface name '{name}' is longer than {Interop.IFNAMSIZ - 1} bytes", nameof(name));
        }

        var fd = Interop.Open("/dev/net/tun", Interop.O_RDWR | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno("open /dev/net/tun", Interop.Errors.Last);
        }

        var handle = new FileDescriptorHandle(fd);
        try
        {
            var request = default(Interop.IfReqFlags);
            bytes.CopyTo(new Span<byte>(request.Name, Interop.IFNAMSIZ));
            request.Value = Interop.IFF_TUN | Interop.IFF_NO_PI;
            if (Interop.Ioctl(fd, Interop.TUNSETIFF, &request) < 0)
            {
                ThrowHelper.ThrowErrno($"TUNSETIFF {name}", Interop.Errors.Last);
            }

            var actual = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(request.Name, Interop.IFNAMSIZ).TrimEnd((byte)0));
            var ifIndex = SetUp(actual);
            return new TunDevice(handle, actual, ifIndex);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Hands one IP packet to the kernel; returns 0 or the errno of the failed write.</summary>
    public int Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* p = packet)
        {
            return Interop.Write(_fd.Fd, p, (nuint)packet.Length) < 0 ? Interop.Errors.Last : 0;
        }
    }

    private static int SetUp(string name)
    {
        LinkFlags.SetUp(name, up: true);
        return LinkFlags.IndexOf(name);
    }

    public void Dispose() => _fd.Dispose();
}
