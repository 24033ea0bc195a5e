using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// One message on the control socket:
/// <code>
///  0                   1                   2                   3
/// +-------------------------------------------------------------+
/// |           length of the JSON body, 32-bit big-endian         |
/// +-------------------------------------------------------------+
/// |           UTF-8 JSON (ControlRequest or ControlResponse) ... |
/// +-------------------------------------------------------------+
/// </code>
/// One request and one response per connection.
/// </summary>
internal static class ControlFraming
{
    /// <summary>
    /// Larger bodies are refused. A -R of 10,000 services × 10 real servers is about 30 MB;
    /// the bound leaves room for tables several times that (only root may connect).
    /// </summary>
    public const int MaxBody = 256 << 20;

    public static async Task WriteAsync<T>(Socket socket, T message, JsonTypeInfo<T> type, CancellationToken cancel)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(message, type);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        var sent = 0;
        while (sent < frame.Length)
        {
            sent += await socket.SendAsync(frame.AsMemory(sent), SocketFlags.None, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Reads one message; throws <see cref="InvalidDataException"/> for a bad frame or body.</summary>
    public static async Task<T> ReadAsync<T>(Socket socket, JsonTypeInfo<T> type, CancellationToken cancel)
    {
        var header = new byte[4];
        await ReadExactlyAsync(socket, header, cancel).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 2 or > MaxBody)
        {
            throw new InvalidDataException($"control message of {length} bytes refused");
        }

        var body = new byte[length];
        await ReadExactlyAsync(socket, body, cancel).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new InvalidDataException("empty control message");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"malformed control message: {e.Message}", e);
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancel)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancel).ConfigureAwait(false);
            if (n == 0)
            {
                throw new InvalidDataException("control connection closed early");
            }

            read += n;
        }
    }
}
