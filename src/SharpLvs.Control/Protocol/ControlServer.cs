using System.Net.Sockets;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// lvsd's end of the control socket: accepts connections on a background task, admits root
/// peers only (SO_PEERCRED), reads one request, lets the <see cref="IControlHandler"/> answer
/// and writes the response. A slow, malformed or hostile client costs one connection and a
/// timeout, never the daemon or its rules.
/// </summary>
public sealed class ControlServer : IDisposable
{
    private readonly IControlHandler _handler;
    private readonly string _name;
    private readonly Func<Socket, PeerCredentials?> _readCredentials;
    private readonly Action<Exception>? _onError;
    private readonly TimeSpan _clientTimeout;

    /// <summary>How long a client may take to read the answer, beyond its request time limit.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <param name="handler">Answers requests (lvsd's rules).</param>
    /// <param name="name">Abstract socket name; <see cref="ControlEndpoint.DefaultName"/> by default.</param>
    /// <param name="onError">Told about connections that failed (for the daemon's log); optional.</param>
    /// <param name="clientTimeout">How long one client may take to send its request; 5 s by default.</param>
    public ControlServer(
        IControlHandler handler,
        string name = ControlEndpoint.DefaultName,
        Action<Exception>? onError = null,
        TimeSpan? clientTimeout = null)
        : this(handler, name, PeerCredentials.Read, onError, clientTimeout)
    {
    }

    /// <summary>With a different source of peer credentials (tests use it to be someone else).</summary>
    internal ControlServer(
        IControlHandler handler,
        string name,
        Func<Socket, PeerCredentials?> readCredentials,
        Action<Exception>? onError,
        TimeSpan? clientTimeout)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _name = name;
        _readCredentials = readCredentials;
        _onError = onError;
        _clientTimeout = clientTimeout ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// Binds and starts accepting. Throws <see cref="InvalidOperationException"/> when another
    /// lvsd already listens in this network namespace.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("the control server is already started");
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(ControlEndpoint.For(_name));
            listener.Listen(16);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                $"another lvsd already listens on the control socket '@{_name}' in this network namespace", e);
        }

        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _listener?.Dispose();
        try
        {
            _acceptLoop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing else to report on shutdown.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var cancel = _stop.Token;
        while (!cancel.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _onError?.Invoke(e);
                continue;
            }

            _ = Task.Run(() => ServeAsync(client, cancel), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using var _ = client;

        // The client's time limit covers sending its request only: applying a big -R and
        // answering with a big listing is lvsd's time, not the client's.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        reading.CancelAfter(_clientTimeout);
        try
        {
            var request = await ControlFraming.ReadAsync(client, ControlJsonContext.Default.ControlRequest, reading.Token)
                .ConfigureAwait(false);
            var response = PeerCredentials.IsAllowed(_readCredentials(client))
                ? Answer(request)
                : ControlResponse.PermissionDenied;
            using var writing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            writing.CancelAfter(_clientTimeout + ResponseTimeout);
            await ControlFraming.WriteAsync(client, response, ControlJsonContext.Default.ControlResponse, writing.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or SocketException or OperationCanceledException or IOException)
        {
            _onError?.Invoke(e);
        }
    }

    private ControlResponse Answer(ControlRequest request)
    {
        if (request.Version != ControlRequest.CurrentVersion || request.Commands is null || request.Commands.Count == 0)
        {
            return new ControlResponse(Ipvsadm.ExitCodes.OperationFailed, "lvsd: unsupported control request (lvsadm and lvsd versions differ?)");
        }

        try
        {
            return _handler.Handle(request);
        }
        catch (Exception e)
        {
            // A handler bug must not take the daemon down; the client gets a plain failure.
            _onError?.Invoke(e);
            return new ControlResponse(Ipvsadm.ExitCodes.OperationFailed, "lvsd: internal error handling the request");
        }
    }
}
