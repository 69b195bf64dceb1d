using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.UnixSockets;

/// <summary>
/// IPC over Unix domain sockets (Linux, macOS; Windows 10+ also has them). The socket file is made 0600 right after bind,
/// and removed on close only while it is still ours (same inode). Thread-safe.
/// </summary>
internal sealed class UnixSocketTransport : IIpcTransport
{
    /// <inheritdoc />
    public async ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (!File.Exists(endpoint) && !Directory.Exists(endpoint))
            return EndpointProbe.Missing;
        if (OperatingSystem.IsLinux())
        {
            var (info, errno) = LinuxLibc.StatPath(endpoint);
            if (errno == 0 && !info.IsSocket)
                return EndpointProbe.NotASocket;
        }

        var connected = await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await connected.MatchAsync(
            RightAsync: async stream =>
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                return EndpointProbe.Listening;
            },
            Left: failure => failure switch
            {
                ConnectFailure.NoEndpoint => EndpointProbe.Missing,
                ConnectFailure.NotASocket => EndpointProbe.NotASocket,
                _ => EndpointProbe.Dead,
            }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Fin<Unit> RemoveStale(string endpoint)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                var (info, errno) = LinuxLibc.StatPath(endpoint);
                if (errno == 0 && !info.IsSocket)
                    return OsErrors.WrongKind($"{endpoint} is not a socket; refusing to delete it");
            }

            File.Delete(endpoint);
            return unit;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return OsErrors.Io($"cannot remove the stale socket {endpoint}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public Fin<IIpcListener> Listen(string endpoint, int backlog)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(endpoint));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(endpoint, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(backlog);
            var identity = OperatingSystem.IsLinux() && LinuxLibc.StatPath(endpoint) is ({ } info, 0) ? Some((info.Device, info.Inode)) : None;
            return new UnixListener(socket, endpoint, identity, ownsFile: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? OsErrors.Io($"{endpoint} is already in use")
                : OsErrors.Io($"cannot listen on {endpoint}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            return OsErrors.Io($"cannot listen on {endpoint}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public Fin<IIpcListener> Adopt(string endpoint, int fd)
    {
        try
        {
            var socket = new Socket(new SafeSocketHandle((IntPtr)fd, ownsHandle: true));
            if (socket.AddressFamily != AddressFamily.Unix || socket.SocketType != SocketType.Stream)
            {
                socket.Dispose();
                return OsErrors.WrongKind($"the inherited file descriptor {fd} is not a Unix stream socket");
            }

            return new UnixListener(socket, endpoint, None, ownsFile: false);
        }
        catch (SocketException e)
        {
            return OsErrors.Io($"cannot adopt the inherited socket (fd {fd}): {e.Message}");
        }
    }

    /// <inheritdoc />
    public async ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint), cancellationToken).ConfigureAwait(false);
            return new SocketStream(socket, None);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.HostNotFound => ConnectFailure.NoEndpoint,
                SocketError.AccessDenied => ConnectFailure.PermissionDenied,
                _ when !File.Exists(endpoint) && !Directory.Exists(endpoint) => ConnectFailure.NoEndpoint,
                _ => ConnectFailure.Refused,
            };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Option<DescriptorUse> Descriptors()
    {
        if (OperatingSystem.IsWindows())
            return None;
        return Libc.OpenFilesLimit().Map(limit => new DescriptorUse(limit, CountOpen()));

        static int CountOpen()
        {
            // Linux /proc/self/fd, macOS /dev/fd; the listing's own descriptor is counted too (one to spare).
            var dir = OperatingSystem.IsLinux() ? "/proc/self/fd" : "/dev/fd";
            try
            {
                return Directory.EnumerateFileSystemEntries(dir).Count();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }
    }

    private sealed class UnixListener(Socket socket, string endpoint, Option<(ulong Device, ulong Inode)> identity, bool ownsFile) : IIpcListener
    {
        private int _disposed;
        private int _fileRemoved;

        public string Endpoint => endpoint;

        public async ValueTask<Either<AcceptFailure, IIpcStream>> AcceptAsync(CancellationToken cancellationToken)
        {
            Socket? accepted = null;
            try
            {
                accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                return new SocketStream(accepted, PeerOf(accepted));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                accepted?.Dispose();

                // Cancelled, or closed under a pending accept (which the OS may report as an aborted operation): stopped.
                // Anything else (too many open files; then even loading a type can fail) leaves the listener listening.
                return e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested || Volatile.Read(ref _disposed) == 1
                    ? new AcceptFailure.Stopped()
                    : new AcceptFailure.Failed(e.Message);
            }
        }

        public IReadOnlyList<IIpcStream> StopAndTakePending()
        {
            if (!ownsFile || Volatile.Read(ref _disposed) == 1)
                return []; // an adopted socket: its queue is the service manager's, for our successor

            // Unlinked first, nothing new can connect; then everything already queued in the backlog is taken.
            RemoveFileIfOurs();
            var pending = new List<IIpcStream>();
            try
            {
                socket.Blocking = false;
                while (true)
                {
                    var accepted = socket.Accept();
                    pending.Add(new SocketStream(accepted, PeerOf(accepted)));
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // WouldBlock: the backlog is empty. Anything else (closed meanwhile, out of descriptors, even a type
                // that cannot load then) also ends the taking: a close must not fail; the rest is reset as before.
            }

            return pending;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
                return ValueTask.CompletedTask;
            socket.Dispose();
            if (ownsFile)
                RemoveFileIfOurs(); // an adopted socket: systemd owns the file
            return ValueTask.CompletedTask;
        }

        private void RemoveFileIfOurs()
        {
            if (Interlocked.Exchange(ref _fileRemoved, 1) == 1)
                return;

            // Remove the socket file only if it is still the one we bound (a successor may have replaced it).
            var ours = identity.Match(
                Some: id => OperatingSystem.IsLinux() && LinuxLibc.StatPath(endpoint) is var (now, errno) && errno == 0 && now.Inode == id.Inode && now.Device == id.Device,
                None: () => true);
            if (ours)
            {
                try
                {
                    File.Delete(endpoint);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Best effort: a leftover socket file is detected as stale by the next listener.
                }
            }
        }

        private static Option<PeerCredentials> PeerOf(Socket accepted)
        {
            if (!OperatingSystem.IsLinux())
                return None;

            // struct ucred { pid_t pid; uid_t uid; gid_t gid; } via SO_PEERCRED (SOL_SOCKET = 1, SO_PEERCRED = 17).
            Span<byte> ucred = stackalloc byte[12];
            try
            {
                return accepted.GetRawSocketOption(1, 17, ucred) == 12
                    ? Some(new PeerCredentials(MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..])))
                    : None;
            }
            catch (SocketException)
            {
                return None;
            }
        }
    }
}

/// <summary>
/// An <see cref="IIpcStream"/> over a connected socket. Socket and I/O exceptions (and <see cref="ObjectDisposedException"/>
/// once the stream was closed) become <see cref="StreamRead.Failed"/> / <see cref="StreamWrite.Failed"/> values; only
/// cancellation by the caller's token stays an exception, as the port documents. Operations that complete at once
/// allocate nothing, and the slow paths use pooled state machines.
/// </summary>
internal sealed class SocketStream(Socket socket, Option<PeerCredentials> peer) : IIpcStream
{
    public Option<PeerCredentials> Peer => peer;

    public ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ValueTask<int> receiving;
        try
        {
            receiving = socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        }
        catch (Exception e) when (SocketFailures.IsTransportFailure(e))
        {
            return new ValueTask<StreamRead>(StreamRead.Failed(SocketFailures.Classify(e)));
        }

        return receiving.IsCompletedSuccessfully
            ? new ValueTask<StreamRead>(Received(receiving.Result, buffer.IsEmpty))
            : ReadSlowAsync(receiving, buffer.IsEmpty);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<StreamRead> ReadSlowAsync(ValueTask<int> receiving, bool zeroByteWait)
    {
        try
        {
            return Received(await receiving.ConfigureAwait(false), zeroByteWait);
        }
        catch (Exception e) when (SocketFailures.IsTransportFailure(e))
        {
            return StreamRead.Failed(SocketFailures.Classify(e));
        }
    }

    // A zero-byte receive returns 0 both when data arrived and at the end; the next read with a buffer tells them apart.
    private static StreamRead Received(int count, bool zeroByteWait) =>
        count > 0 || zeroByteWait ? StreamRead.Received(count) : StreamRead.EndOfStream;

    public ValueTask<StreamWrite> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Most sends complete at once; only a full socket buffer needs the asynchronous path.
        ValueTask<int> sending;
        try
        {
            sending = socket.SendAsync(data, SocketFlags.None, cancellationToken);
        }
        catch (Exception e) when (SocketFailures.IsTransportFailure(e))
        {
            return new ValueTask<StreamWrite>(StreamWrite.Failed(SocketFailures.Classify(e)));
        }

        return sending.IsCompletedSuccessfully && sending.Result == data.Length
            ? new ValueTask<StreamWrite>(StreamWrite.Written)
            : WriteRestAsync(sending, data, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StreamWrite> WriteRestAsync(ValueTask<int> sending, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            data = data[await sending.ConfigureAwait(false)..];
            while (!data.IsEmpty)
                data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
            return StreamWrite.Written;
        }
        catch (Exception e) when (SocketFailures.IsTransportFailure(e))
        {
            return StreamWrite.Failed(SocketFailures.Classify(e));
        }
    }

    public void ShutdownWrite()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing to signal.
        }
    }

    public bool ShutdownRead()
    {
        // AF_UNIX: shutdown(SHUT_RD) marks the peer's sending side shut under the socket lock, so every byte the peer
        // managed to send is in our queue (and stays readable) and every later send fails with EPIPE. Other systems'
        // semantics differ (macOS may discard queued data), so the caller falls back to cancelling there.
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            socket.Shutdown(SocketShutdown.Receive);
            return true;
        }
        catch (SocketException)
        {
            return true; // not connected any more: reads end at once anyway
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The translation of socket exceptions into the port's <see cref="StreamFailure"/> codes.</summary>
internal static class SocketFailures
{
    /// <summary>Whether <paramref name="e"/> says the connection broke (as opposed to cancellation or a bug).</summary>
    public static bool IsTransportFailure(Exception e) => e is SocketException or IOException or ObjectDisposedException;

    /// <summary>The port's code for a transport exception.</summary>
    public static StreamFailure Classify(Exception e) => e switch
    {
        ObjectDisposedException => StreamFailure.Closed,
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionReset or SocketError.ConnectionAborted => StreamFailure.Reset,
            SocketError.Shutdown or SocketError.NotConnected => StreamFailure.BrokenPipe, // EPIPE maps to Shutdown
            SocketError.OperationAborted or SocketError.Interrupted => StreamFailure.Closed, // closed while pending
            _ => StreamFailure.Other,
        },
        IOException { InnerException: SocketException inner } => Classify(inner),
        IOException { InnerException: ObjectDisposedException } => StreamFailure.Closed,
        _ => StreamFailure.Other,
    };
}
