using LanguageExt;

namespace Outfitter.Daemon.Core.Ipc;

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

    /// <inheritdoc />
    public sealed override string ToString() => $"{Tag}: {Message}";

    /// <summary>A socket file exists but nobody listens, and the daemon that owned it is gone.</summary>
    /// <param name="SocketPath">The stale socket.</param>
    /// <param name="Pid">The dead owner's PID from its lock file, when known.</param>
    public sealed record StaleSocketError(string SocketPath, Option<int> Pid)
        : DaemonConnectionError(Pid.Match(
            Some: p => $"Stale socket at {SocketPath}: its daemon (PID {p}) is gone. Start the daemon again.",
            None: () => $"Stale socket at {SocketPath}: nobody listens and no daemon owns it. Start the daemon again."))
    {
        /// <inheritdoc />
        public override string Tag => "StaleSocketError";
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
    }

    /// <summary>Connecting, or waiting for a reply, took longer than allowed.</summary>
    /// <param name="TimeoutMs">The limit that was exceeded, in milliseconds.</param>
    /// <param name="What">What timed out ("connect", "request").</param>
    public sealed record ConnectionTimeoutError(long TimeoutMs, string What)
        : DaemonConnectionError($"Timeout after {TimeoutMs}ms waiting for the daemon ({What}).")
    {
        /// <inheritdoc />
        public override string Tag => "ConnectionTimeoutError";
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
    public sealed record ConnectionClosedError(string Reason)
        : DaemonConnectionError($"Connection closed: {Reason}")
    {
        /// <inheritdoc />
        public override string Tag => "ConnectionClosedError";
    }

    /// <summary>The daemon was started to serve this client but exited, or never answered, during start-up.</summary>
    /// <param name="ExitCode">Its exit code, when it exited.</param>
    /// <param name="LogTail">The last lines of its log, to show the user why.</param>
    public sealed record StartFailedError(Option<int> ExitCode, string LogTail)
        : DaemonConnectionError(ExitCode.Match(
            Some: code => $"The daemon exited with code {code} while starting.",
            None: () => "The daemon did not become ready in time.") + (LogTail.Length > 0 ? " Last lines of its log:\n" + LogTail : ""))
    {
        /// <inheritdoc />
        public override string Tag => "StartFailedError";
    }

    /// <summary>The daemon answered with an error reply (its handler threw, or it does not know the request).</summary>
    /// <param name="RemoteMessage">The reply's <c>payload.message</c>.</param>
    /// <param name="Code">The reply's <c>payload.code</c>, when the server sent one.</param>
    public sealed record RemoteError(string RemoteMessage, Option<string> Code)
        : DaemonConnectionError(RemoteMessage)
    {
        /// <inheritdoc />
        public override string Tag => "RemoteError";
    }
}
