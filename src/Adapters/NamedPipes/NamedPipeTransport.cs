using System.IO.Pipes;
using System.Runtime.CompilerServices;
using LanguageExt;
using Outfitter.Daemon.Adapters.UnixSockets;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.NamedPipes;

/// <summary>
/// IPC over named pipes (<c>\\.\pipe\name</c>), restricted to the current user (<see cref="PipeOptions.CurrentUserOnly"/>).
/// On Windows these are real named pipes; on Linux and macOS .NET implements them over a Unix socket in the temp dir,
/// which is how CI exercises this adapter. A pipe cannot be told apart from a missing one when nobody listens, so a probe
/// reports only "listening" or "missing". Thread-safe.
/// </summary>
internal sealed class NamedPipeTransport : IIpcTransport
{
    private const PipeOptions ServerOptions = PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly;
    private static readonly TimeSpan ConnectAttempt = TimeSpan.FromMilliseconds(200);

    /// <inheritdoc />
    public async ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken)
    {
        var connected = await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await connected.MatchAsync(
            RightAsync: async stream =>
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                return EndpointProbe.Listening;
            },
            Left: _ => EndpointProbe.Missing).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Fin<Unit> RemoveStale(string endpoint) => unit;

    /// <inheritdoc />
    public Fin<IIpcListener> Listen(string endpoint, int backlog)
    {
        try
        {
            var name = SocketPaths.PipeName(endpoint);
            return new PipeListener(endpoint, name, NewInstance(name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return OsErrors.Io($"cannot create the pipe {endpoint}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public Fin<IIpcListener> Adopt(string endpoint, int fd) =>
        OsErrors.Unsupported("socket activation passes Unix sockets, not named pipes");

    /// <inheritdoc />
    public async ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var client = new NamedPipeClientStream(".", SocketPaths.PipeName(endpoint), PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        try
        {
            await client.ConnectAsync(ConnectAttempt, cancellationToken).ConfigureAwait(false);
            return new PipeConnection(client);
        }
        catch (TimeoutException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            return ConnectFailure.NoEndpoint;
        }
        catch (UnauthorizedAccessException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            return ConnectFailure.PermissionDenied;
        }
        catch (IOException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            return ConnectFailure.Refused;
        }
    }

    /// <inheritdoc />
    public Option<DescriptorUse> Descriptors() => Option<DescriptorUse>.None; // Windows handles have no per-process limit of that kind

    private static NamedPipeServerStream NewInstance(string name) =>
        new(name, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte, ServerOptions);

    private sealed class PipeListener(string endpoint, string name, NamedPipeServerStream first) : IIpcListener
    {
        private readonly Lock _gate = new();
        private NamedPipeServerStream? _waiting = first;
        private bool _disposed;

        public string Endpoint => endpoint;

        public async ValueTask<Either<AcceptFailure, IIpcStream>> AcceptAsync(CancellationToken cancellationToken)
        {
            NamedPipeServerStream? server = null;
            try
            {
                server = Waiting();
                if (server is null)
                    return new AcceptFailure.Stopped();
                await server.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested || IsDisposed())
            {
                return new AcceptFailure.Stopped();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The instance may be unusable now: drop it, so that the next attempt waits on a fresh one.
                await DropAsync(server).ConfigureAwait(false);
                return new AcceptFailure.Failed(e.Message);
            }

            if (HandOver(server))
                return new PipeConnection(server);
            await server.DisposeAsync().ConfigureAwait(false);
            return new AcceptFailure.Stopped();
        }

        // Each pipe instance is accepted as soon as a client connects; none are queued unaccepted.
        public IReadOnlyList<IIpcStream> StopAndTakePending() => [];

        public async ValueTask DisposeAsync()
        {
            NamedPipeServerStream? waiting;
            lock (_gate)
            {
                _disposed = true;
                waiting = _waiting;
                _waiting = null;
            }

            if (waiting is not null)
                await waiting.DisposeAsync().ConfigureAwait(false);
        }

        private bool IsDisposed()
        {
            lock (_gate)
                return _disposed;
        }

        /// <summary>The instance to wait on (created now if the last one was handed over or dropped); null once disposed.</summary>
        private NamedPipeServerStream? Waiting()
        {
            lock (_gate)
                return _disposed ? null : _waiting ??= NewInstance(name);
        }

        /// <summary>Takes the connected <paramref name="server"/> out of the listener and has the next instance waiting, so clients rarely find the pipe busy.</summary>
        private bool HandOver(NamedPipeServerStream server)
        {
            lock (_gate)
            {
                if (_disposed)
                    return false;
                if (_waiting == server)
                    _waiting = null;
                try
                {
                    _waiting ??= NewInstance(name);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The next accept creates it (and reports the failure if it persists).
                }

                return true;
            }
        }

        private async ValueTask DropAsync(NamedPipeServerStream? server)
        {
            if (server is null)
                return;
            lock (_gate)
            {
                if (_waiting == server)
                    _waiting = null;
            }

            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class PipeConnection(PipeStream pipe) : IIpcStream
    {
        public Option<PeerCredentials> Peer => None;

        // Pipes cannot wait for data without a buffer: an empty read returns at once (allowed by the port).
        public ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (buffer.IsEmpty)
                return new ValueTask<StreamRead>(StreamRead.Received(0));
            ValueTask<int> reading;
            try
            {
                reading = pipe.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return new ValueTask<StreamRead>(StreamRead.Failed(Classify(e)));
            }

            return reading.IsCompletedSuccessfully ? new ValueTask<StreamRead>(Received(reading.Result)) : ReadSlowAsync(reading);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private static async ValueTask<StreamRead> ReadSlowAsync(ValueTask<int> reading)
        {
            try
            {
                return Received(await reading.ConfigureAwait(false));
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return StreamRead.Failed(Classify(e));
            }
        }

        private static StreamRead Received(int count) => count > 0 ? StreamRead.Received(count) : StreamRead.EndOfStream;

        public ValueTask<StreamWrite> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            ValueTask writing;
            try
            {
                writing = pipe.WriteAsync(data, cancellationToken);
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return new ValueTask<StreamWrite>(StreamWrite.Failed(Classify(e)));
            }

            return writing.IsCompletedSuccessfully ? new ValueTask<StreamWrite>(StreamWrite.Written) : WriteSlowAsync(writing);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private static async ValueTask<StreamWrite> WriteSlowAsync(ValueTask writing)
        {
            try
            {
                await writing.ConfigureAwait(false);
                return StreamWrite.Written;
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return StreamWrite.Failed(Classify(e));
            }
        }

        private static bool IsTransportFailure(Exception e) => e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException;

        // On Unix .NET implements pipes over sockets (a SocketException inside the IOException); Windows reports a
        // vanished peer as a plain IOException ("Pipe is broken").
        private static StreamFailure Classify(Exception e) => e switch
        {
            ObjectDisposedException or IOException { InnerException: ObjectDisposedException } => StreamFailure.Closed,
            System.Net.Sockets.SocketException or IOException { InnerException: System.Net.Sockets.SocketException } => SocketFailures.Classify(e),
            IOException => StreamFailure.BrokenPipe,
            _ => StreamFailure.Other,
        };

        public void ShutdownWrite()
        {
            // Pipes have no half-close; the peer sees the end when the connection closes.
        }

        // Pipes have no half-close of the reading side either.
        public bool ShutdownRead() => false;

        public ValueTask DisposeAsync() => pipe.DisposeAsync();
    }
}
