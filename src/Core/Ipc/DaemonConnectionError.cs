using LanguageExt;
using Outfitter.Daemon.Core.Ipc;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// Why talking to a daemon failed: the reference's discriminated union (<c>StaleSocketError</c>,
/// <c>ConnectionRefusedError</c>, <c>ConnectionTimeoutError</c>, <c>ProtocolError</c>) plus the cases a hardened client
/// needs (the connection closed under a request; the handler answered with an error). Closed: switch over it
/// exhaustively.
/// </summary>
public abstract record DaemonConnectionError
{
    // Private: the cases below are the only ones, so a switch over them is exhaustive.
    private DaemonConnectionError(string message) => Message = message;

    /// <summary>A sentence saying what happened and what to do.</summary>
    public string Message { get; }

    /// <summary>The reference's <c>_tag</c> for this case.</summary>
    public abstract string Tag { get; }

    /// <summary>
    /// True when the daemon certainly did not execute the request, so sending it again is safe: it was never written
    /// (no daemon, a failed connect, a write refused because the server had stopped reading), or the daemon answered
    /// <c>SHUTTING_DOWN</c> without running it.
    /// </summary>
    public virtual bool IsSafeToRetry => false;

    /// <summary>
    /// True when the request was written and then the connection was lost or the reply did not come in time: the daemon
    /// may or may not have executed it. Retry only if the request is idempotent.
    /// </summary>
    public virtual bool OutcomeUnknown => false;

    /// <inheritdoc />
    public sealed override string ToString() => $"{Tag}: {Message}";

    /// <summary>A socket file exists but nobody listens, and the daemon that owned it is gone.</summary>
    /// <param name="SocketPath">The stale socket.</param>
    /// <param name="Pid">The dead owner's PID from its lock file, when known.</param>
    public sealed record StaleSocketError(string SocketPath, int? Pid)
        : DaemonConnectionError(Pid is { } p
            ? $"Stale socket at {SocketPath}: its daemon (PID {p}) is gone. Start the daemon again."
            : $"Stale socket at {SocketPath}: nobody listens and no daemon owns it. Start the daemon again.")
    {
        /// <inheritdoc />
        public override string Tag => "StaleSocketError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => true;
    }

    /// <summary>No daemon is listening (no socket file, or the connection was refused).</summary>
    /// <param name="SocketPath">Where we tried.</param>
    /// <param name="Reason">What the OS said.</param>
    /// <param name="MayRetry">Whether waiting may help (the daemon may be starting); false for permission problems or a non-socket.</param>
    public sealed record ConnectionRefusedError(string SocketPath, string Reason, bool MayRetry = true)
        : DaemonConnectionError($"Daemon not running at {SocketPath}: {Reason}.")
    {
        /// <inheritdoc />
        public override string Tag => "ConnectionRefusedError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => true;
    }

    /// <summary>Connecting, or waiting for a reply, took longer than allowed.</summary>
    /// <param name="TimeoutMs">The limit that was exceeded, in milliseconds.</param>
    /// <param name="What">What timed out ("connect", "request").</param>
    /// <param name="RequestSent">True when a request had been written and its reply did not come (its outcome is unknown).</param>
    /// <param name="LastFailure">
    /// What the last attempt ran into before the deadline (a stale socket left by PID N, a refused connection, a missing
    /// socket), when connecting was retried.
    /// </param>
    public sealed record ConnectionTimeoutError(long TimeoutMs, string What, bool RequestSent = false, DaemonConnectionError? LastFailure = null)
        : DaemonConnectionError($"Timeout after {TimeoutMs}ms waiting for the daemon ({What})."
            + (LastFailure is { } last ? $" Last failure: {last.Message}" : "")
            + (RequestSent ? " The request was sent; whether the daemon executed it is unknown." : ""))
    {
        /// <inheritdoc />
        public override string Tag => "ConnectionTimeoutError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => !RequestSent;

        /// <inheritdoc />
        public override bool OutcomeUnknown => RequestSent;
    }

    /// <summary>The other side broke the protocol (unparseable reply, or our request was rejected as malformed).</summary>
    /// <param name="Details">What was wrong.</param>
    public sealed record ProtocolError(string Details)
        : DaemonConnectionError($"Protocol error: {Details}")
    {
        /// <inheritdoc />
        public override string Tag => "ProtocolError";
    }

    /// <summary>The connection closed (server shut down, connection dropped, or the client was closed) before the reply.</summary>
    /// <param name="Reason">Why, as far as we know.</param>
    /// <param name="RequestSent">
    /// True when the request had been written before the connection was lost: the daemon may have executed it. False when
    /// it was never written (not connected, or the server had already stopped reading): safe to retry.
    /// </param>
    public sealed record ConnectionClosedError(string Reason, bool RequestSent = false)
        : DaemonConnectionError($"Connection closed: {Reason}" + (RequestSent
            ? " The request was sent; whether the daemon executed it is unknown."
            : " The request was not sent; it is safe to retry."))
    {
        /// <inheritdoc />
        public override string Tag => "ConnectionClosedError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => !RequestSent;

        /// <inheritdoc />
        public override bool OutcomeUnknown => RequestSent;
    }

    /// <summary>The daemon was started to serve this client but exited, or never answered, during start-up.</summary>
    /// <param name="ExitCode">Its exit code, when it exited.</param>
    /// <param name="LogTail">The last lines of its log, to show the user why.</param>
    public sealed record StartFailedError(int? ExitCode, string LogTail)
        : DaemonConnectionError((ExitCode is { } code
            ? $"The daemon exited with code {code} while starting."
            : "The daemon did not become ready in time.") + (LogTail.Length > 0 ? " Last lines of its log:\n" + LogTail : ""))
    {
        /// <inheritdoc />
        public override string Tag => "StartFailedError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => true;
    }

    /// <summary>The daemon answered with an error reply (its handler threw, or it does not know the request).</summary>
    /// <param name="RemoteMessage">The reply's <c>payload.message</c>.</param>
    /// <param name="Code">The reply's <c>payload.code</c>, when the server sent one.</param>
    public sealed record RemoteError(string RemoteMessage, string? Code)
        : DaemonConnectionError(RemoteMessage)
    {
        /// <inheritdoc />
        public override string Tag => "RemoteError";

        /// <summary>True for <c>SHUTTING_DOWN</c>: the daemon refused the request without running it.</summary>
        public override bool IsSafeToRetry => Code == IpcErrorCodes.ShuttingDown;

        /// <summary>True for <c>INTERRUPTED</c>: the daemon stopped while the handler ran, so it may have taken effect.</summary>
        public override bool OutcomeUnknown => Code == IpcErrorCodes.Interrupted;
    }

    /// <summary>
    /// The running daemon is not the one the caller expects (<c>ConnectOrStartOptions.Expect</c>, with
    /// <c>DaemonMismatchPolicy.Reject</c>), or it still differs after a restart (the program started is not the expected
    /// build either). The running daemon was left alone, or is the one just started.
    /// </summary>
    /// <param name="Reason">How it differs.</param>
    /// <param name="Running">What the daemon said about itself.</param>
    public sealed record DaemonMismatchError(string Reason, ServerHello Running)
        : DaemonConnectionError($"The daemon is not the expected one: {Reason}.")
    {
        /// <inheritdoc />
        public override string Tag => "DaemonMismatchError";
    }

    /// <summary>
    /// The caller cancelled the request (its <see cref="CancellationToken"/>). Once the request was sent, the client sent
    /// the daemon a <c>cancel</c> for it (protocol 2, ADR 0016; best effort, skipped when the connection can no longer be
    /// written): a daemon of this library cancels the handler's token and writes no reply; the reference ignores it.
    /// Either way the handler may have had effects before it stopped.
    /// </summary>
    /// <param name="RequestSent">
    /// True when the request had been written (its outcome is unknown); false when it was cancelled before it was written
    /// (safe to retry).
    /// </param>
    public sealed record RequestCancelledError(bool RequestSent = true)
        : DaemonConnectionError(RequestSent
            ? "The request was cancelled by the caller after it was sent; a cancel was sent to the daemon (best effort), and whether the daemon executed the request is unknown."
            : "The request was cancelled by the caller before it was sent; it is safe to retry.")
    {
        /// <inheritdoc />
        public override string Tag => "RequestCancelledError";

        /// <inheritdoc />
        public override bool IsSafeToRetry => !RequestSent;

        /// <inheritdoc />
        public override bool OutcomeUnknown => RequestSent;
    }
}
