using System.Net.Sockets;

namespace SharpLvs.Control.Protocol;

/// <summary>lvsadm's end of the control socket: one request, one response, bounded in time.</summary>
public sealed class ControlClient
{
    private readonly string _name;
    private readonly TimeSpan _timeout;

    public ControlClient(string name = ControlEndpoint.DefaultName, TimeSpan? timeout = null)
    {
        _name = name;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the answer. Throws
    /// <see cref="ControlUnavailableException"/> when no lvsd listens in this network namespace
    /// or it does not answer in time.
    /// </summary>
    public ControlResponse Send(ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return SendAsync(request).GetAwaiter().GetResult();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            throw new ControlUnavailableException(
                "cannot reach lvsd in this network namespace (is it running?)", e);
        }
        catch (Exception e) when (e is SocketException or InvalidDataException or OperationCanceledException or IOException)
        {
            throw new ControlUnavailableException($"lost the connection to lvsd: {e.Message}", e);
        }
    }

    private async Task<ControlResponse> SendAsync(ControlRequest request)
    {
        using var cancel = new CancellationTokenSource(_timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(ControlEndpoint.For(_name), cancel.Token).ConfigureAwait(false);
        await ControlFraming.WriteAsync(socket, request, ControlJsonContext.Default.ControlRequest, cancel.Token).ConfigureAwait(false);
        return await ControlFraming.ReadAsync(socket, ControlJsonContext.Default.ControlResponse, cancel.Token).ConfigureAwait(false);
    }
}
