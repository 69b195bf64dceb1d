using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>What is at an endpoint path, as the transport observed it.</summary>
public enum EndpointProbe
{
    /// <summary>Nothing exists there.</summary>
    Missing,

    /// <summary>A socket that accepted our probe connection: a live server.</summary>
    Listening,

    /// <summary>A socket file nobody listens on (connection refused): left behind by a dead server.</summary>
    Dead,

    /// <summary>Something that is not a socket (a regular file, a directory).</summary>
    NotASocket,
}

/// <summary>Why a single connection attempt failed.</summary>
public enum ConnectFailure
{
    /// <summary>No socket file (or pipe) exists.</summary>
    NoEndpoint,

    /// <summary>The endpoint exists but the connection was refused.</summary>
    Refused,

    /// <summary>The endpoint exists but is not a socket.</summary>
    NotASocket,

    /// <summary>We may not connect (permissions).</summary>
    PermissionDenied,
}

/// <summary>What to do with an endpoint before listening on it.</summary>
public enum ListenDecision
{
    /// <summary>Nothing there: bind.</summary>
    Bind,

    /// <summary>A dead socket: remove it, then bind.</summary>
    ReplaceStale,

    /// <summary>A live server answers there: never hijack it.</summary>
    RefuseLive,

    /// <summary>Not a socket: never delete a user's file.</summary>
    RefuseNotSocket,
}

/// <summary>Pure decisions about IPC endpoints: reuse or refuse at listen time; classify a failed connect.</summary>
internal static class EndpointDecisions
{
    /// <summary>Decides what to do with <paramref name="probe"/> before listening. Unlike the reference, a live socket is never deleted.</summary>
    public static ListenDecision BeforeListen(EndpointProbe probe) => probe switch
    {
        EndpointProbe.Missing => ListenDecision.Bind,
        EndpointProbe.Dead => ListenDecision.ReplaceStale,
        EndpointProbe.Listening => ListenDecision.RefuseLive,
        EndpointProbe.NotASocket => ListenDecision.RefuseNotSocket,
        _ => throw new ArgumentOutOfRangeException(nameof(probe), probe, "Unknown endpoint probe."),
    };

    /// <summary>
    /// Classifies a failed connection: no endpoint → refused ("daemon not running"); refused while the lock says the
    /// daemon is alive → refused ("not accepting connections yet", it may be starting); refused while no live daemon holds
    /// the lock → <see cref="DaemonConnectionError.StaleSocketError"/> naming the dead owner's PID from the lock file.
    /// </summary>
    /// <param name="socketPath">The endpoint.</param>
    /// <param name="failure">What the connection attempt met.</param>
    /// <param name="lockState">What the daemon's lock says, when a lock file is known for this endpoint.</param>
    /// <param name="lockPid">The PID the lock file names, if any.</param>
    public static DaemonConnectionError ClassifyConnectFailure(string socketPath, ConnectFailure failure, Option<LockDecision> lockState, Option<int> lockPid) =>
        failure switch
        {
            ConnectFailure.NoEndpoint => new DaemonConnectionError.ConnectionRefusedError(socketPath, "no socket file exists (is the daemon started?)"),
            ConnectFailure.NotASocket => new DaemonConnectionError.ConnectionRefusedError(socketPath, "the path exists but is not a socket", MayRetry: false),
            ConnectFailure.PermissionDenied => new DaemonConnectionError.ConnectionRefusedError(socketPath, "permission denied (the daemon runs as another user?)", MayRetry: false),
            ConnectFailure.Refused => lockState.Match(
                Some: decision => decision is LockDecision.HeldBy held
                    ? new DaemonConnectionError.ConnectionRefusedError(socketPath, held.NamedPid.Match(
                        Some: pid => $"the daemon (PID {pid}) is running but not accepting connections yet",
                        None: () => "the daemon is running but not accepting connections yet"))
                    : (DaemonConnectionError)new DaemonConnectionError.StaleSocketError(socketPath, lockPid.ToNullable()),
                None: () => new DaemonConnectionError.StaleSocketError(socketPath, lockPid.ToNullable())),
            _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, "Unknown connect failure."),
        };

    /// <summary>Whether a connection attempt that failed this way may succeed later (the daemon may be starting).</summary>
    public static bool IsTransient(DaemonConnectionError error) =>
        error is DaemonConnectionError.ConnectionRefusedError { MayRetry: true } or DaemonConnectionError.StaleSocketError;

    /// <summary>Whether a peer may talk to us: the same user or root, or any user when allowed; unknown credentials pass (pipes check the user themselves).</summary>
    public static bool AcceptPeer(Option<PeerCredentials> peer, uint ourUid, bool allowOtherUsers) =>
        allowOtherUsers || peer.Match(Some: p => p.Uid == ourUid || p.Uid == 0, None: () => true);
}
