using LanguageExt;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Port: a local stream transport (Unix domain sockets; named pipes on Windows, or when the endpoint has the form
/// <c>\\.\pipe\name</c>). The decisions about what to do with an existing endpoint are pure (<see cref="EndpointDecisions"/>);
/// the transport reports facts and carries decisions out. Thread-safe.
/// </summary>
public interface IIpcTransport
{
    /// <summary>What is at <paramref name="endpoint"/> now: nothing, something that is not a socket, a listener, or a dead socket.</summary>
    ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken);

    /// <summary>Removes a dead socket file at <paramref name="endpoint"/> (never anything else).</summary>
    Fin<Unit> RemoveStale(string endpoint);

    /// <summary>Binds and listens at <paramref name="endpoint"/>: mode 0600, current user only for pipes.</summary>
    Fin<IIpcListener> Listen(string endpoint, int backlog);

    /// <summary>
    /// Adopts an already listening socket passed by the service manager (systemd socket activation) as file descriptor
    /// <paramref name="fd"/>. Closing the listener closes the descriptor but never deletes <paramref name="endpoint"/>:
    /// the service manager owns that file.
    /// </summary>
    Fin<IIpcListener> Adopt(string endpoint, int fd);

    /// <summary>Connects once, without retrying; the failure says whether nothing was there or nobody answered.</summary>
    ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken);

    /// <summary>
    /// This process's descriptors now: the soft <c>RLIMIT_NOFILE</c> and how many are open, which bound how many
    /// connections a server can hold; None where there is no such limit or it cannot be read.
    /// </summary>
    Option<DescriptorUse> Descriptors();
}

/// <summary>A bound endpoint accepting connections. Disposing stops listening and removes the socket file it created.</summary>
public interface IIpcListener : IAsyncDisposable
{
    /// <summary>The endpoint it listens on.</summary>
    string Endpoint { get; }

    /// <summary>
    /// The next connection, or why there is none: <see cref="AcceptFailure.Stopped"/> when <paramref name="cancellationToken"/>
    /// is cancelled or the listener is disposed, <see cref="AcceptFailure.Failed"/> when the OS refused this accept (for
    /// example, too many open files) and the listener keeps listening. Never throws for either: the adapter translates
    /// its exceptions, so the accept loop handles no transport exceptions.
    /// </summary>
    ValueTask<Either<AcceptFailure, IIpcStream>> AcceptAsync(CancellationToken cancellationToken);

    /// <summary>
    /// For a graceful close, called once after the accept loop has stopped: stops new connections from arriving (removes
    /// the socket file this listener created, where it still is ours) and returns the connections the OS already
    /// completed but nobody accepted yet, so that their requests can be answered rather than reset. An adopted socket
    /// (socket activation) returns none: its queued connections belong to the service manager's next start.
    /// </summary>
    IReadOnlyList<IIpcStream> StopAndTakePending();
}

/// <summary>
/// One connection. Reads and writes report a broken connection as values (<see cref="StreamRead"/>,
/// <see cref="StreamWrite"/> with a <see cref="StreamFailure"/>), never as exceptions: the adapter translates its socket
/// and I/O exceptions, including <see cref="ObjectDisposedException"/> when the stream was closed meanwhile, so the shell
/// handles no transport exceptions. Both are <see cref="ValueTask{TResult}"/> of a struct: no allocation when they
/// complete at once. Cancellation follows the .NET convention and stays an exception: when the caller's
/// <see cref="CancellationToken"/> is cancelled, the operation throws <see cref="OperationCanceledException"/> (the caller
/// asked for it, so it is not a fact about the connection). Not thread-safe for concurrent reads or concurrent writes;
/// one reader and one writer may run at once.
/// </summary>
public interface IIpcStream : IAsyncDisposable
{
    /// <summary>Who is on the other side, when the OS tells (Linux <c>SO_PEERCRED</c>).</summary>
    Option<PeerCredentials> Peer { get; }

    /// <summary>
    /// Reads available bytes: <see cref="StreamRead.Received"/> with their count, <see cref="StreamRead.EndOfStream"/>, or
    /// <see cref="StreamRead.Failed"/>. With an empty <paramref name="buffer"/> it waits until data (or the end of the
    /// stream) is there without consuming anything and returns <c>Received(0)</c>, so an idle connection holds no buffer;
    /// a transport that cannot wait that way returns <c>Received(0)</c> at once (the caller then simply reads with a buffer).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/>: <see cref="StreamWrite.Written"/>, or <see cref="StreamWrite.Failed"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<StreamWrite> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Signals the end of our output (half-close) where the transport supports it; a no-op on a closed stream. The server
    /// sends it after its last reply, so the peer reads an orderly end of stream rather than a reset.
    /// </summary>
    void ShutdownWrite();

    /// <summary>
    /// Stops the peer from sending more, atomically: bytes already received stay readable, reads return 0 once they are
    /// drained (a pending read wakes), and the peer's later writes fail with a broken connection. False when the
    /// transport cannot do that; the caller then cancels its read instead.
    /// </summary>
    bool ShutdownRead();
}
