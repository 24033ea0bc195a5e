using System.Net.Sockets;
using SharpLvs.Linux.Identity;

namespace SharpLvs.Linux.Tests.Identity;

public class PeerCredentialsTests
{
    [Fact]
    public void TryGet_ConnectedUnixSocket_ReportsThisProcess()
    {
        var path = Path.Combine(Path.GetTempPath(), $"slvt-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            using var server = listener.Accept();

            Assert.True(PeerCredentials.TryGet(server, out var peer));
            Assert.Equal(Environment.ProcessId, peer.ProcessId);
            Assert.Equal(Environment.IsPrivilegedProcess, peer.IsRoot);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryGet_UdpSocket_ReturnsFalse()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        Assert.False(PeerCredentials.TryGet(socket, out _));
    }
}
