using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Clients that find their daemon, or start it: the pattern of watchman, Bazel's server or eslint_d. The decisions are
/// the core's (<see cref="ConnectOrStart"/>); this class is their interpreter: it gathers the facts through the ports
/// (transport, lock files, launcher, clock), asks for the next step, carries it out, and repeats. Thread-safe (every
/// call has its own state).
/// </summary>
public static class DaemonClient
{
    /// <summary>
    /// Connects to the daemon <paramref name="name"/>; if none runs (or its socket is stale), starts it detached with
    /// <paramref name="start"/>, waits until it answers, and connects. When many clients do this at once, one lock file
    /// (the daemon's lock file + <c>.spawn</c>, <c>daemon.lock.spawn</c>) elects the one that starts it; the others wait
    /// for it, and take over the election if that client fails. If the daemon exits during start-up the error carries
    /// its exit code and the last lines of its log. Uses this operating system's ports (<see cref="OsPorts.Current"/>).
    /// </summary>
    /// <returns>A connected client (the caller disposes it) and whether this call started the daemon.</returns>
    public static Task<Result<(IpcClient Client, bool Started), DaemonConnectionError>> ConnectOrStartAsync(
        string name, DaemonStartInfo start, ConnectOrStartOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectOrStartAsync(OsPorts.Current, name, start, options, cancellationToken);

    /// <summary>
    /// <see cref="ConnectOrStartAsync(string, DaemonStartInfo, ConnectOrStartOptions?, CancellationToken)"/> over the
    /// given ports (for example the test kit's fakes, with a fake clock): paths are resolved with
    /// <see cref="DaemonPorts.Runtime"/>, the daemon is started with <see cref="DaemonPorts.Launcher"/>, waits use
    /// <see cref="DaemonPorts.Time"/>, and so do the returned client's unless <see cref="IpcClientOptions.TimeProvider"/>
    /// is set (on a copy: <paramref name="options"/> is not written to).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<Result<(IpcClient Client, bool Started), DaemonConnectionError>> ConnectOrStartAsync(
        DaemonPorts ports, string name, DaemonStartInfo start, ConnectOrStartOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(start);
        options ??= new ConnectOrStartOptions();
        var resolved = new DaemonPathResolver(ports.Runtime, ports.Directories).Resolve(name);
        if (resolved.IsFailure)
            return new DaemonConnectionError.ProtocolError(resolved.Match(_ => "", e => e.Message));
        var paths = resolved.Match(p => p, _ => throw new InvalidOperationException());
        var socket = options.SocketPath ?? paths.SocketPath;
        var launch = new DaemonLaunch(
            start.FileName,
            toSeq(start.Arguments),
            Optional(start.WorkingDirectory),
            toSeq(start.Environment.Select(variable => (variable.Key, Optional(variable.Value)))),
            start.LogPath ?? Path.Combine(Path.GetDirectoryName(paths.LockPath) ?? paths.DaemonDir, "daemon.log"));

        ArgumentNullException.ThrowIfNull(options.Client);
        var locks = new DaemonLockService(ports.LockFiles, ports.Processes, ports.Directories);
        var client = new IpcClient(socket, options.Client.WithDefaultTime(ports.Time), ports.Transport, locks);
        var daemonLock = Optional(options.Client.LockPath).Filter(p => p.Length > 0)
            || (options.SocketPath is null ? Some(paths.LockPath) : SocketPaths.SiblingLockPath(socket))
            || Some(paths.LockPath);
        var check = new Expectation(options.Expect ?? new DaemonExpectation(), options.OnMismatch, daemonLock.IfNone(paths.LockPath));
        var run = new Run(ports, locks, client, options.SpawnLockPath ?? ConnectOrStart.SpawnLockPath(paths.LockPath), launch, check);
        try
        {
            return (await run.UntilDoneAsync(name, options.StartTimeout, cancellationToken).ConfigureAwait(false)).ToResult();
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>One call's interpreter state: the resources its steps acquired (the election, the started process).</summary>
    /// <summary>What the caller expects of the daemon, what to do when it differs, and the lock that says when it has stopped.</summary>
    private sealed record Expectation(DaemonExpectation Expected, DaemonMismatchPolicy Policy, string DaemonLockPath);

    private sealed class Run(DaemonPorts ports, DaemonLockService locks, IpcClient client, string spawnLockPath, DaemonLaunch launch, Expectation check) : IDisposable
    {
        private LockHandle? _election;
        private ISpawnedProcess? _spawned;
        private bool _handedOut;

        public async Task<Either<DaemonConnectionError, (IpcClient Client, bool Started)>> UntilDoneAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var facts = ConnectOrStartFacts.Begin(ports.Time.GetUtcNow(), timeout) with { Policy = check.Policy };
            var cutOff = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_spawned is not null)
                    facts = facts.WithSpawned(ObserveSpawned(_spawned));

                // A connect cut off by the deadline has reached it, whatever a clock read a moment later says: the
                // core then gives up (it never elects, spawns or waits at the deadline).
                var now = ports.Time.GetUtcNow();
                switch (ConnectOrStart.Decide(facts, cutOff && now < facts.Deadline ? facts.Deadline : now))
                {
                    case ConnectOrStartStep.Connect:
                        // Bounded to what is left: a client connect timeout longer than that cannot overrun the deadline.
                        var connected = await client.ConnectWithinAsync(facts.Deadline - ports.Time.GetUtcNow(), ports.Time, cancellationToken).ConfigureAwait(false);
                        cutOff = connected.CutOff;
                        facts = facts.AfterConnect(connected.Result.IsRight
                            ? new ConnectResult.Connected(await MismatchAsync(facts.Deadline, cancellationToken).ConfigureAwait(false))
                            : ConnectResult.Of(connected.Result));
                        break;
                    case ConnectOrStartStep.StopForRestart:
                        facts = facts.AfterRestartStop(await StopForRestartAsync(facts.Deadline, cancellationToken).ConfigureAwait(false));
                        break;
                    case ConnectOrStartStep.AcquireSpawnLock:
                        var elected = locks.TryAcquire(spawnLockPath);
                        _election = elected.MatchUnsafe<LockHandle?>(h => h, _ => null);
                        facts = facts.AfterSpawnLock(SpawnLockState.Of(elected));
                        break;
                    case ConnectOrStartStep.Spawn:
                        var spawned = ports.Launcher.Spawn(launch);
                        _spawned = spawned.Match<ISpawnedProcess?>(p => p, _ => null);
                        facts = facts.AfterSpawn(spawned.Match<SpawnedState>(
                            Succ: p => new SpawnedState.Alive(p.Pid),
                            Fail: e => new SpawnedState.SpawnFailed(e.Message)));
                        break;
                    case ConnectOrStartStep.WaitAndRetry wait:
                        await Task.Delay(wait.Delay, ports.Time, cancellationToken).ConfigureAwait(false);
                        facts = facts.AfterWait();
                        break;
                    case ConnectOrStartStep.Done done:
                        _handedOut = true;
                        return (client, done.Started);
                    case ConnectOrStartStep.Fail fail:
                        // Not ready in time: do not leave a half-started daemon behind that the caller believes failed.
                        if (fail.StopSpawned)
                            _spawned?.Kill();
                        var tail = fail.Reason.NeedsLogTail ? ports.Launcher.LogTail(launch.LogPath, ConnectOrStart.LogTailLines).IfNone("") : "";
                        return ConnectOrStart.ToError(fail.Reason, tail, name);
                    case var other:
                        throw new InvalidOperationException($"Unknown connect-or-start step {other}.");
                }
            }
        }

        /// <summary>How the connected daemon differs from the one expected (its hello answer against the expectation).</summary>
        private async Task<Option<DaemonConnectionError.DaemonMismatchError>> MismatchAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            if (check.Policy == DaemonMismatchPolicy.Accept || !check.Expected.ExpectsAnything)
                return None;
            var left = deadline - ports.Time.GetUtcNow();
            using var bounded = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, ports.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bounded.Token);
            ServerHello hello;
            try
            {
                hello = await client.GetServerAsync(linked.Token).ConfigureAwait(false) ?? ServerHello.ProtocolOne;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                hello = ServerHello.ProtocolOne; // no answer before the deadline: it says nothing about itself
            }

            return Optional(DaemonMatch.Mismatch(check.Expected, hello)).Map(reason => new DaemonConnectionError.DaemonMismatchError(reason, hello));
        }

        /// <summary>
        /// Stops the mismatched daemon gracefully: the <c>shutdown</c> request (or, for a daemon that does not know it,
        /// SIGTERM to the verified owner of its lock), then waits until its lock is released, so the PID and socket files
        /// are gone before the expected daemon starts. Bounded by the start deadline.
        /// </summary>
        private async Task<RestartState> StopForRestartAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            var remaining = deadline - ports.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
                return new RestartState.StopFailed("the start timeout ran out first");
            using (var timer = new CancellationTokenSource(remaining, ports.Time))
            using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token))
            {
                var asked = await client.SendRawAsync("{\"type\":\"shutdown\"}"u8.ToArray(), bounded.Token).ConfigureAwait(false);
                client.Close();
                if (asked.TryGetError(out var refused) && refused is DaemonConnectionError.RemoteError)
                {
                    var signalled = new DaemonStopper(ports.LockFiles, ports.Processes, ports.ProcessSignals).SignalOwner(check.DaemonLockPath, ProcessSignal.Terminate);
                    if (signalled is OwnerSignalResult.Refused or OwnerSignalResult.Failed)
                        return new RestartState.StopFailed($"it refused the shutdown request ({refused.Message}) and could not be signalled ({signalled})");
                }
            }

            var waits = 0;
            while (locks.Inspect(check.DaemonLockPath) is LockDecision.HeldBy)
            {
                var left = deadline - ports.Time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                    return new RestartState.StopFailed($"it still held {check.DaemonLockPath} at the start timeout");
                var pause = ConnectOrStart.Backoff(waits++);
                await Task.Delay(pause < left ? pause : left, ports.Time, cancellationToken).ConfigureAwait(false);
            }

            return new RestartState.Stopped();
        }

        private static SpawnedState ObserveSpawned(ISpawnedProcess process) =>
            process.Observe() switch
            {
                SpawnedProcessState.Running => new SpawnedState.Alive(process.Pid),
                SpawnedProcessState.Exited exited => new SpawnedState.Exited(process.Pid, exited.ExitCode),
                var other => throw new InvalidOperationException($"Unknown process state {other}."),
            };

        public void Dispose()
        {
            // The election ends with this call (its file is removed on release); the daemon itself keeps running.
            if (_election is not null)
                _ = locks.TryRelease(_election);
            _spawned?.Dispose();
            if (!_handedOut)
                client.Close();
        }
    }
}
