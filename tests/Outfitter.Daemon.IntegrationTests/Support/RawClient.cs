using System.Net.Sockets;
using System.Text;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>A bare Unix-socket client for sending exact bytes (malformed input) and reading reply lines with a deadline.</summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    private RawClient(Socket socket) => _socket = socket;

    /// <summary>Connects to <paramref name="path"/>.</summary>
    public static async Task<RawClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new RawClient(socket);
    }

    /// <summary>The socket, for tests that need it directly.</summary>
    public Socket Socket => _socket;

    /// <summary>Sends bytes as they are.</summary>
    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Sends a string as UTF-8.</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>The next line (without its newline), or null at end of stream; fails after the deadline.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? ChildProcess.DefaultDeadline);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, newline).ToArray());
                _pending.RemoveRange(0, newline + 1);
                return line;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No complete line arrived before the deadline.");
            }
            catch (SocketException)
            {
                return null;
            }

            if (read == 0)
                return null;
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
