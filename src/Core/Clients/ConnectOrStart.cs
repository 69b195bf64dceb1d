using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Clients;

/// <summary>
/// The pure decision behind connect-or-start (the watchman / eslint_d pattern): given what the last connect found,
/// the state of the election, the daemon this client started and the time, what to do next. The shell
/// (<c>DaemonClient</c>) gathers the facts through ports, calls <see cref="Decide"/>, carries the step out, records its
/// outcome with the <c>After…</c> functions of <see cref="ConnectOrStartFacts"/>, and repeats until
/// <see cref="ConnectOrStartStep.Done"/> or <see cref="ConnectOrStartStep.Fail"/>. Guarantees (tested as properties):
/// total over every fact combination; never spawns while another client holds the election; never waits, spawns or
/// elects at or after the deadline, and never waits past it; always gives up once the deadline has passed.
/// </summary>
public static class ConnectOrStart
{
    /// <summary>The suffix of the spawn lock: the daemon's lock file + <c>.spawn</c> (<c>daemon.lock.spawn</c>).</summary>
    public const string SpawnLockSuffix = ".spawn";

    /// <summary>How many log lines a start failure shows.</summary>
    public const int LogTailLines = 20;

    /// <summary>The first wait between attempts.</summary>
    internal static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest wait between attempts.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The spawn lock that elects the starter of the daemon whose lock file is <paramref name="daemonLockPath"/>.</summary>
    public static string SpawnLockPath(string daemonLockPath) => daemonLockPath + SpawnLockSuffix;

    /// <summary>Decides the next step at <paramref name="now"/>.</summary>
    internal static ConnectOrStartStep Decide(ConnectOrStartFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var spawnedAlive = facts.Spawned is SpawnedState.Alive;
        return facts.Connection switch
        {
            ConnectResult.Connected { Mismatch.IsNone: true } => new ConnectOrStartStep.Done(spawnedAlive),
            ConnectResult.Connected connected => AfterMismatch(facts, connected.Mismatch.IfNone(() => throw new InvalidOperationException()), now),

            // Always look once more, even at the deadline: a wait ends at the deadline, and its connect is the last chance.
            ConnectResult.NotTried => new ConnectOrStartStep.Connect(),
            ConnectResult.Unusable unusable => new ConnectOrStartStep.Fail(new ConnectOrStartFailure.CannotConnect(unusable.Error), spawnedAlive),
            ConnectResult.NotListening or ConnectResult.TimedOut => AfterFailedConnect(facts, now),
            _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.Connection, "Unknown connect result."),
        };
    }

    /// <summary>
    /// Connected to a daemon that is not the one expected. Accept keeps it; Reject fails; Restart elects one client
    /// (the spawn election), which, connected again under the election so it never stops a daemon another client just
    /// started, stops it and starts the expected one. A daemon that still differs after a restart, or after this client
    /// started it, fails (the program started is not the expected build: restarting again would loop).
    /// </summary>
    private static ConnectOrStartStep AfterMismatch(ConnectOrStartFacts facts, DaemonConnectionError.DaemonMismatchError mismatch, DateTimeOffset now)
    {
        var spawnedAlive = facts.Spawned is SpawnedState.Alive;
        if (facts.Policy == DaemonMismatchPolicy.Accept)
            return new ConnectOrStartStep.Done(spawnedAlive);
        var fail = new ConnectOrStartStep.Fail(new ConnectOrStartFailure.Mismatched(mismatch), StopSpawned: false);
        if (facts.Policy != DaemonMismatchPolicy.Restart || spawnedAlive || facts.Spawned is not SpawnedState.NotSpawned)
            return fail;
        return facts.Restart switch
        {
            RestartState.StopFailed failed => new ConnectOrStartStep.Fail(
                new ConnectOrStartFailure.Mismatched(new DaemonConnectionError.DaemonMismatchError(mismatch.Reason + "; it could not be stopped for a restart: " + failed.Reason, mismatch.Running)), StopSpawned: false),
            RestartState.Stopped => fail,
            _ when now >= facts.Deadline => fail,
            _ => facts.SpawnLock switch
            {
                SpawnLockState.NotTried => new ConnectOrStartStep.AcquireSpawnLock(),
                SpawnLockState.HeldByOther => Wait(facts, now),
                SpawnLockState.HeldByUs or SpawnLockState.Unusable => new ConnectOrStartStep.StopForRestart(),
                _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.SpawnLock, "Unknown spawn lock state."),
            },
        };
    }

    private static ConnectOrStartStep AfterFailedConnect(ConnectOrStartFacts facts, DateTimeOffset now)
    {
        var expired = now >= facts.Deadline;
        return facts.Spawned switch
        {
            SpawnedState.Exited exited => new ConnectOrStartStep.Fail(new ConnectOrStartFailure.DaemonExited(exited.ExitCode), StopSpawned: false),
            SpawnedState.SpawnFailed failed => new ConnectOrStartStep.Fail(new ConnectOrStartFailure.SpawnFailed(failed.Reason), StopSpawned: false),
            SpawnedState.Alive when expired => new ConnectOrStartStep.Fail(new ConnectOrStartFailure.NotReadyInTime(), StopSpawned: true),
            SpawnedState.Alive => Wait(facts, now),
            SpawnedState.NotSpawned when expired => new ConnectOrStartStep.Fail(new ConnectOrStartFailure.TimedOut(facts.Timeout, facts.LastFailure), StopSpawned: false),
            SpawnedState.NotSpawned => facts.SpawnLock switch
            {
                SpawnLockState.NotTried => new ConnectOrStartStep.AcquireSpawnLock(),
                SpawnLockState.HeldByOther => Wait(facts, now),
                SpawnLockState.HeldByUs or SpawnLockState.Unusable => new ConnectOrStartStep.Spawn(),
                _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.SpawnLock, "Unknown spawn lock state."),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.Spawned, "Unknown spawned state."),
        };
    }

    /// <summary>Exponential backoff from <see cref="FirstDelay"/> to <see cref="MaxDelay"/>, never past the deadline.</summary>
    /// <summary>The pause before look number <paramref name="waits"/> + 1: 10 ms, doubling up to 250 ms.</summary>
    internal static TimeSpan Backoff(int waits) =>
        TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << Math.Clamp(waits, 0, 16), MaxDelay.Ticks));

    private static ConnectOrStartStep.WaitAndRetry Wait(ConnectOrStartFacts facts, DateTimeOffset now)
    {
        var backoff = Backoff(facts.Waits);
        var remaining = facts.Deadline - now;
        return new ConnectOrStartStep.WaitAndRetry(backoff < remaining ? backoff : remaining);
    }

    /// <summary>
    /// The error a caller gets for <paramref name="failure"/>: <paramref name="logTail"/> is the last lines of the
    /// daemon's log (read by the shell when <see cref="ConnectOrStartFailure.NeedsLogTail"/>), <paramref name="name"/>
    /// the daemon's name.
    /// </summary>
    internal static DaemonConnectionError ToError(ConnectOrStartFailure failure, string logTail, string name) =>
        failure switch
        {
            ConnectOrStartFailure.CannotConnect cannot => cannot.Error,
            ConnectOrStartFailure.Mismatched mismatched => mismatched.Error,
            ConnectOrStartFailure.SpawnFailed spawn => new DaemonConnectionError.StartFailedError(null, $"(it could not be started: {spawn.Reason})"),
            ConnectOrStartFailure.DaemonExited exited => new DaemonConnectionError.StartFailedError(exited.ExitCode.ToNullable(), logTail),
            ConnectOrStartFailure.NotReadyInTime => new DaemonConnectionError.StartFailedError(
                null, (logTail.Length > 0 ? logTail + "\n" : "") + "(it did not answer within the start timeout and was stopped)"),
            ConnectOrStartFailure.TimedOut timedOut => new DaemonConnectionError.ConnectionTimeoutError(
                (long)timedOut.Timeout.TotalMilliseconds, $"start {name}", RequestSent: false, timedOut.LastFailure.MatchUnsafe(e => e, () => (DaemonConnectionError?)null)),
            _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, "Unknown connect-or-start failure."),
        };
}
