using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Clients;

/// <summary>What the latest connect attempt found: a closed set of cases.</summary>
internal abstract record ConnectResult
{
    private ConnectResult()
    {
    }

    /// <summary>No attempt since the last change that matters (a new election, a spawn, a wait).</summary>
    public sealed record NotTried : ConnectResult;

    /// <summary>Connected.</summary>
    public sealed record Connected : ConnectResult
    {
        /// <summary>Connected to the expected daemon (or nothing was expected).</summary>
        public Connected()
            : this(None)
        {
        }

        /// <summary>Connected; <paramref name="mismatch"/> says how the daemon differs from the one expected, if it does.</summary>
        public Connected(Option<DaemonConnectionError.DaemonMismatchError> mismatch) => Mismatch = mismatch;

        /// <summary>How the daemon differs from the one expected; None when it is the one (or nothing was expected).</summary>
        public Option<DaemonConnectionError.DaemonMismatchError> Mismatch { get; }
    }

    /// <summary>Nothing answers yet: no socket, a refused connection, or a stale socket. Waiting or starting may help.</summary>
    public sealed record NotListening(DaemonConnectionError Error) : ConnectResult;

    /// <summary>The connect attempt itself ran out of time.</summary>
    public sealed record TimedOut(DaemonConnectionError Error) : ConnectResult;

    /// <summary>The endpoint cannot be used at all (permission denied, not a socket, a broken protocol): waiting will not help.</summary>
    public sealed record Unusable(DaemonConnectionError Error) : ConnectResult;

    /// <summary>Classifies a connect attempt's outcome.</summary>
    public static ConnectResult Of(Either<DaemonConnectionError, Unit> attempt) =>
        attempt.Match<ConnectResult>(
            Right: _ => new Connected(),
            Left: error => error switch
            {
                DaemonConnectionError.ConnectionTimeoutError => new TimedOut(error),
                DaemonConnectionError.StaleSocketError => new NotListening(error),
                DaemonConnectionError.ConnectionRefusedError { MayRetry: true } => new NotListening(error),
                DaemonConnectionError.ConnectionRefusedError
                    or DaemonConnectionError.ProtocolError
                    or DaemonConnectionError.ConnectionClosedError
                    or DaemonConnectionError.RemoteError
                    or DaemonConnectionError.StartFailedError
                    or DaemonConnectionError.DaemonMismatchError
                    or DaemonConnectionError.RequestCancelledError => new Unusable(error),
                _ => throw new ArgumentOutOfRangeException(nameof(attempt), error, "Unknown connection error."),
            });
}

/// <summary>The election of the one client that starts the daemon (a kernel lock on the spawn lock file).</summary>
internal abstract record SpawnLockState
{
    private SpawnLockState()
    {
    }

    /// <summary>Not tried (yet, or again since the last wait).</summary>
    public sealed record NotTried : SpawnLockState;

    /// <summary>We hold it: we are the one that starts the daemon.</summary>
    public sealed record HeldByUs : SpawnLockState;

    /// <summary>Another client holds it (<paramref name="Pid"/> when its file names one): that client is starting the daemon.</summary>
    public sealed record HeldByOther(Option<int> Pid) : SpawnLockState;

    /// <summary>
    /// The spawn lock cannot be used (its directory, permissions, an I/O error). The daemon's own lock still keeps a
    /// second copy from running, so this client starts it, and the daemon's failure says what is wrong.
    /// </summary>
    public sealed record Unusable(LockError Error) : SpawnLockState;

    /// <summary>Classifies an attempt to take the spawn lock.</summary>
    public static SpawnLockState Of<THandle>(Either<LockError, THandle> attempt) =>
        attempt.Match<SpawnLockState>(
            Right: _ => new HeldByUs(),
            Left: error => error.Code == LockErrorCode.AlreadyLocked ? new HeldByOther(Optional(error.Pid)) : new Unusable(error));
}

/// <summary>The daemon this client started, if it started one.</summary>
internal abstract record SpawnedState
{
    private SpawnedState()
    {
    }

    /// <summary>This client started nothing.</summary>
    public sealed record NotSpawned : SpawnedState;

    /// <summary>It was started and still runs.</summary>
    public sealed record Alive(int Pid) : SpawnedState;

    /// <summary>It was started and has exited (<paramref name="ExitCode"/> when known).</summary>
    public sealed record Exited(int Pid, Option<int> ExitCode) : SpawnedState;

    /// <summary>It could not be started at all (no such program, not executable, …).</summary>
    public sealed record SpawnFailed(string Reason) : SpawnedState;
}

/// <summary>Where a restart of a mismatched daemon stands (<see cref="DaemonMismatchPolicy.Restart"/>).</summary>
internal abstract record RestartState
{
    private RestartState()
    {
    }

    /// <summary>No daemon was stopped for a restart.</summary>
    public sealed record NotTried : RestartState;

    /// <summary>This client stopped the mismatched daemon; the next connect finds nobody and starts the expected one.</summary>
    public sealed record Stopped : RestartState;

    /// <summary>The mismatched daemon did not stop (the reason says why); it is left running.</summary>
    public sealed record StopFailed(string Reason) : RestartState;
}

/// <summary>
/// Everything connect-or-start decides on, as one immutable value: the latest connect result, the election, the
/// daemon this client started, how many waits it made (for the backoff), the last connect failure (for the timeout
/// error) and the deadline. The <c>After…</c> functions record an action's outcome; they are the only way the facts change.
/// </summary>
/// <param name="Connection">The latest connect result since the last change that matters.</param>
/// <param name="SpawnLock">The election.</param>
/// <param name="Spawned">The daemon this client started.</param>
/// <param name="Waits">How many waits so far (resets when a daemon is spawned).</param>
/// <param name="LastFailure">The last connect failure, for the timeout error.</param>
/// <param name="Deadline">When this call gives up.</param>
/// <param name="Timeout">The whole allowance (for messages).</param>
internal sealed record ConnectOrStartFacts(
    ConnectResult Connection,
    SpawnLockState SpawnLock,
    SpawnedState Spawned,
    int Waits,
    Option<DaemonConnectionError> LastFailure,
    DateTimeOffset Deadline,
    TimeSpan Timeout)
{
    /// <summary>What to do with a daemon that is not the one expected (default: accept it).</summary>
    public DaemonMismatchPolicy Policy { get; init; } = DaemonMismatchPolicy.Accept;

    /// <summary>Where a restart stands.</summary>
    public RestartState Restart { get; init; } = new RestartState.NotTried();

    /// <summary>After stopping a mismatched daemon for a restart (or failing to).</summary>
    public ConnectOrStartFacts AfterRestartStop(RestartState state) =>
        this with { Restart = state, Connection = new ConnectResult.NotTried(), Waits = 0 };

    /// <summary>The facts at the start of a call made at <paramref name="now"/> that may take <paramref name="timeout"/>.</summary>
    public static ConnectOrStartFacts Begin(DateTimeOffset now, TimeSpan timeout) =>
        new(new ConnectResult.NotTried(), new SpawnLockState.NotTried(), new SpawnedState.NotSpawned(), 0, None,
            timeout <= TimeSpan.Zero ? now : now + timeout, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);

    /// <summary>Records a connect attempt's result.</summary>
    public ConnectOrStartFacts AfterConnect(ConnectResult result) =>
        this with
        {
            Connection = result,
            LastFailure = result switch
            {
                ConnectResult.NotListening n => Some(n.Error),
                ConnectResult.TimedOut t => Some(t.Error),
                ConnectResult.Unusable u => Some(u.Error),
                _ => LastFailure,
            },
        };

    /// <summary>
    /// Records the election's outcome. Having won it (or finding it unusable) the client connects once more before it
    /// spawns: the previous starter may have finished between our failed connect and our election.
    /// </summary>
    public ConnectOrStartFacts AfterSpawnLock(SpawnLockState state) =>
        state is SpawnLockState.HeldByUs or SpawnLockState.Unusable
            ? this with { SpawnLock = state, Connection = new ConnectResult.NotTried() }
            : this with { SpawnLock = state };

    /// <summary>Records the spawn; the next step connects to what it started.</summary>
    public ConnectOrStartFacts AfterSpawn(SpawnedState state) =>
        this with { Spawned = state, Connection = new ConnectResult.NotTried(), Waits = 0 };

    /// <summary>Records what the started daemon does now (observed before every decision).</summary>
    public ConnectOrStartFacts WithSpawned(SpawnedState state) => this with { Spawned = state };

    /// <summary>
    /// Records a wait: connect again next, and, if another client held the election, look at the election again (if
    /// that client failed or crashed, it is free now and this one may start the daemon).
    /// </summary>
    public ConnectOrStartFacts AfterWait() =>
        this with
        {
            Connection = new ConnectResult.NotTried(),
            SpawnLock = SpawnLock is SpawnLockState.HeldByOther ? new SpawnLockState.NotTried() : SpawnLock,
            Waits = Waits + 1,
        };
}
