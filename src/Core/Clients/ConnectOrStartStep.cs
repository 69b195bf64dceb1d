using LanguageExt;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.Core.Clients;

/// <summary>What connect-or-start does next: a closed set of cases, decided by <see cref="ConnectOrStart.Decide"/>.</summary>
internal abstract record ConnectOrStartStep
{
    private ConnectOrStartStep()
    {
    }

    /// <summary>Try to connect once (no retries: waiting is a step of its own).</summary>
    public sealed record Connect : ConnectOrStartStep;

    /// <summary>Try, without waiting, to take the spawn lock that elects the one client that starts the daemon.</summary>
    public sealed record AcquireSpawnLock : ConnectOrStartStep;

    /// <summary>Start the daemon detached (this client won the election, or the election cannot be held).</summary>
    public sealed record Spawn : ConnectOrStartStep;

    /// <summary>Stop the mismatched daemon this client is connected to (it holds the spawn election), then connect again.</summary>
    public sealed record StopForRestart : ConnectOrStartStep;

    /// <summary>Wait <paramref name="Delay"/> (never past the deadline), then look again.</summary>
    public sealed record WaitAndRetry(TimeSpan Delay) : ConnectOrStartStep;

    /// <summary>Connected; <paramref name="Started"/> when this call started the daemon it is connected to.</summary>
    public sealed record Done(bool Started) : ConnectOrStartStep;

    /// <summary>Give up, for <paramref name="Reason"/>; <paramref name="StopSpawned"/>: kill the daemon this call started first.</summary>
    public sealed record Fail(ConnectOrStartFailure Reason, bool StopSpawned) : ConnectOrStartStep;
}

/// <summary>Why connect-or-start gave up: a closed set of cases, each turned into a <see cref="DaemonConnectionError"/> by <see cref="ConnectOrStart.ToError"/>.</summary>
internal abstract record ConnectOrStartFailure
{
    private ConnectOrStartFailure()
    {
    }

    /// <summary>Whether the error shows the daemon's log (the shell then reads its tail).</summary>
    public virtual bool NeedsLogTail => false;

    /// <summary>The endpoint cannot be used at all; <paramref name="Error"/> says why.</summary>
    public sealed record CannotConnect(DaemonConnectionError Error) : ConnectOrStartFailure;

    /// <summary>The program could not be started.</summary>
    public sealed record SpawnFailed(string Reason) : ConnectOrStartFailure;

    /// <summary>The daemon this call started exited before it answered.</summary>
    public sealed record DaemonExited(Option<int> ExitCode) : ConnectOrStartFailure
    {
        /// <inheritdoc />
        public override bool NeedsLogTail => true;
    }

    /// <summary>The daemon this call started still did not answer at the deadline (it is stopped, not left half-started).</summary>
    public sealed record NotReadyInTime : ConnectOrStartFailure
    {
        /// <inheritdoc />
        public override bool NeedsLogTail => true;
    }

    /// <summary>Another client was starting the daemon, and it did not answer before the deadline.</summary>
    public sealed record TimedOut(TimeSpan Timeout, Option<DaemonConnectionError> LastFailure) : ConnectOrStartFailure;

    /// <summary>The daemon is not the one expected, and the policy (or a failed restart) leaves it so.</summary>
    public sealed record Mismatched(DaemonConnectionError.DaemonMismatchError Error) : ConnectOrStartFailure;
}
