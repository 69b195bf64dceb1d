using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Hosting;
using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Tool;

/// <summary>The tool's commands. Each returns a documented exit code and says what to do when something fails.</summary>
public static class Commands
{
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>ping, status, health: a person at a terminal (or a probe) should not wait longer.</summary>
    private static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>send: user requests may legitimately take a while.</summary>
    private static readonly TimeSpan DefaultSendTimeout = TimeSpan.FromSeconds(30);

    /// <summary><c>logs</c> without <c>-n</c>, as tail(1).</summary>
    private const int DefaultLogLines = 20;

    /// <summary>More than anyone reads on a terminal; a bound on what <c>logs -n</c> holds in memory.</summary>
    private const int MaxLogLines = 100_000;

    /// <summary>How many lines of each log a failed start shows.</summary>
    private const int FailedStartLogLines = 10;

    /// <summary>How long a SIGKILLed daemon may take to release its lock (after the budget).</summary>
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(1);

    /// <summary><c>run</c>: the daemon in the foreground; with <c>--log-file</c>, logging to that rotated file.</summary>
    public static async Task<int> RunAsync(Target target, CommandLine line, Output output)
    {
        DaemonFileLogOptions? logOptions = null;
        if (line.Value("--log-file") is { } logFile)
        {
            (logOptions, var logError) = LogSettings.From(line, logFile);
            if (logOptions is null)
                return output.Fail(ExitCodes.Usage, logError!);
        }
        else if (LogSettings.Arguments(line).Any())
        {
            return output.Fail(ExitCodes.Usage, "The log options need --log-file PATH (start passes it for you).");
        }

        var (idleTimeout, exitWithPid, lifetimeError) = LifetimeSettings.From(line);
        if (lifetimeError is not null)
            return output.Fail(ExitCodes.Usage, lifetimeError);

        // A plain LoggerFactory over the one provider: no service container for a single sink (a smaller binary).
        using var loggers = logOptions is null ? null
            : new LoggerFactory([new DaemonFileLoggerProvider(logOptions)], new LoggerFilterOptions { MinLevel = logOptions.MinimumLevel });

        DaemonHost host;
        try
        {
            host = DaemonHost.Create(new DaemonHostOptions
            {
                Name = target.Name,
                SocketPath = target.SocketPath,
                LockPath = target.LockPath,
                IdleTimeout = idleTimeout,
                ExitWithPid = exitWithPid,
            }, loggers: loggers);
        }
        catch (ArgumentException e)
        {
            return output.Fail(ExitCodes.Usage, e.Message);
        }

        await using (host)
        {
            var started = await host.StartAsync();
            if (started.TryGetError(out var error))
            {
                return output.Fail(error.Code == DaemonErrorCode.AlreadyRunning ? ExitCodes.Negative : ExitCodes.Failure, error.Message);
            }

            await output.Stdout.WriteLineAsync($"READY {host.SocketPath}");
            await output.Stdout.FlushAsync();

            // Signals end the process from inside the daemon (with the documented code); a shutdown request ends here.
            var stopped = await host.WaitForStopAsync();
            return SignalPolicy.ExitCodeAfterStop(stopped.TryGetError(out var stopError) ? stopError : null);
        }
    }

    /// <summary>This tool's version and build: what the daemon it starts reports, and what <c>start --replace</c> expects.</summary>
    private static DaemonExpectation ThisBuild()
    {
        var me = DaemonIdentity.OfEntryAssembly();
        return new DaemonExpectation { Version = me.Version, Build = me.Build };
    }

    /// <summary><c>start</c>: connect or start detached, report the PID.</summary>
    public static async Task<int> StartAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultStartTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        var budget = new Budget(timeout, OsPorts.Current.Time);
        var (_, logError) = LogSettings.From(line, target.LogPath);
        if (logError is not null)
            return output.Fail(ExitCodes.Usage, logError);
        var (_, _, lifetimeError) = LifetimeSettings.From(line);
        if (lifetimeError is not null)
            return output.Fail(ExitCodes.Usage, lifetimeError);
        var arguments = target.NameGiven || line.Value("--socket") is null
            ? new List<string> { "run", "--name", target.Name }
            : ["run", "--socket", target.SocketPath];
        if (target.NameGiven && line.Value("--socket") is { } socket)
            arguments.AddRange(["--socket", socket]);
        arguments.AddRange(["--log-file", target.LogPath, .. LogSettings.Arguments(line), .. LifetimeSettings.Arguments(line)]);

        var result = await DaemonClient.ConnectOrStartAsync(
            target.Name,
            DaemonStartInfo.ThisProgram([.. arguments]) with { LogPath = target.OutPath },
            new ConnectOrStartOptions
            {
                SocketPath = target.SocketPath,
                StartTimeout = timeout,
                SpawnLockPath = ConnectOrStart.SpawnLockPath(target.LockPath), // the library's default formula, for --socket targets too
                Client = new IpcClientOptions { TimeProvider = OsPorts.Current.Time },

                // --replace: a daemon of another version or build (an upgrade installed since it started) is restarted.
                Expect = line.Has("--replace") ? ThisBuild() : null,
                OnMismatch = line.Has("--replace") ? DaemonMismatchPolicy.Restart : DaemonMismatchPolicy.Accept,
            });
        if (!result.TryGetValue(out var connected, out var startError))
            return output.Fail(ExitCodes.Failure, $"Could not start {target.Name}: {startError.Message}{LogTail(target)}\nLog: {target.LogPath} (output: {target.OutPath})");

        // Its PID, asked within what is left of the same budget (a daemon that answered ping but not this is reported
        // as running, with its PID unknown).
        await using var client = connected.Client;
        var status = await StatusOf(new Conversation(client, budget));
        var hello = await client.GetServerAsync();
        var pid = status.Match(Right: s => s.Map(e => e.GetProperty("pid").GetInt32()), Left: _ => Option<int>.None);
        output.Result(("name", target.Name), ("pid", PidValue(pid)), ("started", connected.Started), ("socket", target.SocketPath), ("log", target.LogPath), ("output", target.OutPath), ("version", hello?.Version), ("build", hello?.Build));
        output.Say(connected.Started ? $"Started {target.Name} (PID {PidText(pid)})." : $"{target.Name} is already running (PID {PidText(pid)}).");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>stop</c>: ask, wait, optionally kill, clean up, all within one budget (<c>--timeout</c>). Signals go only to the
    /// verified holder of the lock (<see cref="DaemonStopper"/>), re-decided right before each one.
    /// </summary>
    public static async Task<int> StopAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultStopTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        var budget = new Budget(timeout, OsPorts.Current.Time);
        var force = line.Has("--force");
        var stopper = DaemonStopper.Os;

        // Who holds the lock now. Only a verified holder is ever signalled; later signals must find the same process.
        var verified = stopper.WhomToSignal(target.LockPath) is SignalPermission.Allowed allowed ? allowed.Owner : null;
        var pid = verified is not null ? Prelude.Some(verified.Pid) : HolderPid(target);
        var wasAlive = await DaemonLock.IsDaemonAliveAsync(target.LockPath);

        // Ask first. The reply comes before the daemon stops; a daemon that does not answer gets at most half the
        // budget, so SIGTERM still has time to work.
        bool asked;
        var askTimeout = budget.RemainingAtMost(timeout / 2);
        var askBudget = new Budget(askTimeout > TimeSpan.Zero ? askTimeout : TimeSpan.FromMilliseconds(1), OsPorts.Current.Time);
        await using (var client = Conversation.ClientFor(target, askBudget))
        {
            asked = (await client.ConnectAsync()).IsSuccess
                && (await new Conversation(client, askBudget).SendRawAsync("{\"type\":\"shutdown\"}"u8.ToArray())).IsSuccess;
        }

        if (!asked && !await DaemonLock.IsDaemonAliveAsync(target.LockPath))
        {
            CleanStale(target);
            output.Result(("name", target.Name), ("stopped", true), ("wasRunning", wasAlive), ("pid", PidValue(pid)), ("how", wasAlive ? "exited" : null));
            output.Say(wasAlive ? $"Stopped {target.Name} (it exited)." : $"{target.Name} was not running.");
            return ExitCodes.Ok;
        }

        var how = asked ? "shutdown request" : "SIGTERM";
        OwnerSignalResult.Refused? refusal = null;
        var terminatePending = !asked;
        ProcessIdentity? signalled = null;
        TimeSpan? killedAt = null;

        // One loop until the deadline: SIGTERM (retried while the holder has not yet written its PID), then wait.
        var delay = TimeSpan.FromMilliseconds(5);
        var gone = false;
        while (true)
        {
            if (!await DaemonLock.IsDaemonAliveAsync(target.LockPath))
            {
                gone = true;
                break;
            }

            if (terminatePending)
            {
                switch (stopper.SignalOwner(target.LockPath, ProcessSignal.Terminate, verified))
                {
                    case OwnerSignalResult.Sent sent:
                        terminatePending = false;
                        refusal = null;
                        signalled = sent.Owner;
                        pid = Prelude.Some(sent.Owner.Pid);
                        break;
                    case OwnerSignalResult.Refused { Reason: SignalRefusal.NotLocked } notLocked when await DaemonLock.IsDaemonAliveAsync(target.LockPath):
                        // A live process named by a file nobody locks: a daemon that takes no kernel lock, or a reused PID.
                        return output.Fail(ExitCodes.Negative, NotSignalled(target, notLocked, "did not answer the shutdown request"));
                    case OwnerSignalResult.Refused refused:
                        refusal = refused; // the holder may be about to write its PID: decide again on the next round
                        break;
                    case OwnerSignalResult.Failed failed:
                        return output.Fail(ExitCodes.Failure, $"Could not send SIGTERM to {target.Name} (PID {failed.Owner.Pid}): {failed.Message}");
                    case OwnerSignalResult.Gone or OwnerSignalResult.OwnerChanged:
                        terminatePending = false; // the process we meant to stop has exited
                        break;
                }
            }

            if (budget.IsSpent)
                break;
            await Task.Delay(budget.RemainingAtMost(delay), OsPorts.Current.Time);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }

        if (!gone)
        {
            var still = $"{target.Name} (PID {PidText(pid)}) is still running {timeout.TotalSeconds:0.###} s after the {how}";
            if (!force)
            {
                return output.Fail(
                    ExitCodes.Negative,
                    refusal is not null
                        ? NotSignalled(target, refusal, "did not answer the shutdown request")
                        : $"{still}. Wait longer (--timeout) or kill it (--force).");
            }

            // The deadline has come: SIGKILL now, re-decided, and only to the process we saw (or signalled) before.
            switch (stopper.SignalOwner(target.LockPath, ProcessSignal.Kill, signalled ?? verified))
            {
                case OwnerSignalResult.Sent sent:
                    pid = Prelude.Some(sent.Owner.Pid);
                    how += " then SIGKILL";
                    killedAt = budget.Elapsed;
                    break;
                case OwnerSignalResult.Refused refused:
                    return output.Fail(ExitCodes.Negative, NotSignalled(target, refused, $"is still running {timeout.TotalSeconds:0.###} s after the {how}"));
                case OwnerSignalResult.OwnerChanged changed:
                    return output.Fail(ExitCodes.Negative, $"{target.Name}: PID {changed.Expected.Pid} has exited, and PID {changed.Now.Pid} now holds the lock; not killed. Run stop again to stop that one.");
                case OwnerSignalResult.Failed failed:
                    return output.Fail(ExitCodes.Failure, $"Could not send SIGKILL to {target.Name} (PID {failed.Owner.Pid}): {failed.Message}");
                case OwnerSignalResult.Gone:
                    break;
            }

            if (!await WaitUntilGone(target, KillGrace))
                return output.Fail(ExitCodes.Failure, $"{target.Name} survived SIGKILL for {KillGrace.TotalSeconds:0.#} s; check PID {PidText(pid)}.");
        }

        CleanStale(target);
        output.Result(("name", target.Name), ("stopped", true), ("wasRunning", true), ("pid", PidValue(pid)), ("how", how),
            ("askTimeoutMs", (long)askTimeout.TotalMilliseconds), ("killedAtMs", killedAt is { } k ? (long)k.TotalMilliseconds : null), ("elapsedMs", (long)budget.Elapsed.TotalMilliseconds));
        output.Say($"Stopped {target.Name} ({how}).");
        return ExitCodes.Ok;
    }

    /// <summary><c>status</c>.</summary>
    public static async Task<int> StatusAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultQueryTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        return await TalkAsync(target, output, timeout, async talk =>
        {
            var status = await StatusOf(talk);
            return status.Match(
                Right: answer => answer.Match(
                    Some: s =>
                    {
                        if (output.Json)
                            output.RawJson(s.GetRawText());
                        else
                            output.Result(s.EnumerateObject().Select(p => (p.Name, (object?)p.Value)).ToArray());
                        return ExitCodes.Ok;
                    },
                    None: () => output.Fail(ExitCodes.Failure, $"{target.SocketPath} answered, but not to \"status\" (is it an Outfitter daemon? try ping or send).")),
                Left: error => FailWith(output, target, error, "status", timeout));
        });
    }

    /// <summary><c>health</c>: 0 healthy, 1 unhealthy, 2 not running, 4 no answer within the timeout.</summary>
    public static async Task<int> HealthAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultQueryTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        return await TalkAsync(target, output, timeout, async talk =>
        {
            var reply = await talk.SendRawAsync("{\"type\":\"health\"}"u8.ToArray());
            return reply.Match(
                json =>
                {
                    var health = JsonDocument.Parse(json).RootElement;
                    var healthy = health.TryGetProperty("healthy", out var h) && h.ValueKind == JsonValueKind.True;
                    if (output.Json)
                    {
                        output.RawJson(health.GetRawText());
                    }
                    else
                    {
                        output.Stdout.WriteLine(healthy ? "healthy" : "UNHEALTHY");
                        if (health.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var check in checks.EnumerateObject())
                            {
                                var ok = check.Value.TryGetProperty("healthy", out var c) && c.ValueKind == JsonValueKind.True;
                                var message = check.Value.TryGetProperty("message", out var m) ? " — " + m.GetString() : "";
                                output.Stdout.WriteLine($"  {(ok ? "ok  " : "FAIL")}  {check.Name}{message}");
                            }
                        }
                    }

                    return healthy ? ExitCodes.Ok : ExitCodes.Negative;
                },
                error => FailWith(output, target, error, "health", timeout));
        });
    }

    /// <summary><c>ping</c>.</summary>
    public static async Task<int> PingAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultQueryTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        return await TalkAsync(target, output, timeout, async talk =>
        {
            var time = OsPorts.Current.Time;
            var sent = time.GetTimestamp();
            var reply = await talk.SendRawAsync("{\"type\":\"ping\"}"u8.ToArray());
            var micros = time.GetElapsedTime(sent).TotalMicroseconds;
            return reply.Match(
                _ =>
                {
                    output.Result(("socket", target.SocketPath), ("pong", true), ("roundTripMicroseconds", Math.Round(micros, 1)));
                    return ExitCodes.Ok;
                },
                error => FailWith(output, target, error, "ping", timeout));
        });
    }

    /// <summary><c>send '&lt;json&gt;'</c>.</summary>
    public static async Task<int> SendAsync(Target target, CommandLine line, Output output)
    {
        if (line.Positionals.Count != 1)
            return output.Fail(ExitCodes.Usage, "send takes one JSON payload, e.g. outfitter-daemon send '{\"type\":\"ping\"}'.");
        JsonElement payload;
        try
        {
            payload = JsonDocument.Parse(line.Positionals[0]).RootElement;
        }
        catch (JsonException e)
        {
            return output.Fail(ExitCodes.Usage, $"The payload is not JSON: {e.Message}");
        }

        var (timeout, timeoutError) = line.Timeout(DefaultSendTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        return await TalkAsync(target, output, timeout, async talk =>
        {
            var reply = await talk.SendAsync(payload);
            return reply.Match(
                json =>
                {
                    output.RawJson(json.GetRawText());
                    return ExitCodes.Ok;
                },
                error => error is DaemonConnectionError.RemoteError
                    ? output.Fail(ExitCodes.Negative, error.Message)
                    : FailWith(output, target, error, "send", timeout));
        });
    }

    /// <summary><c>logs</c>: the last lines of the daemon's log; with <c>--follow</c>, what it writes next, until interrupted.</summary>
    public static async Task<int> LogsAsync(Target target, CommandLine line, Output output, CancellationToken cancellationToken = default)
    {
        var count = DefaultLogLines;
        if (line.Value("--lines") is { } text
            && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count > MaxLogLines))
        {
            return output.Fail(ExitCodes.Usage, $"--lines takes a number of lines up to {MaxLogLines}, e.g. -n 50 (got \"{text}\").");
        }

        var reader = new DaemonLogReader();
        var follow = line.Has("--follow");
        if (!follow && !reader.Exists(target.LogPath))
            return output.Fail(ExitCodes.NotRunning, $"No log at {target.LogPath}: {target.Name} has not been started there with 'outfitter-daemon start'.");

        try
        {
            if (!follow)
            {
                foreach (var entry in reader.Tail(target.LogPath, count))
                    await output.Stdout.WriteLineAsync(entry);
                return ExitCodes.Ok;
            }

            // Like tail -n N -F: the last lines, then each new one, across rotations, until the user interrupts (SIGINT
            // ends the process) or the caller cancels.
            await foreach (var entry in reader.FollowAsync(target.LogPath, count, cancellationToken))
            {
                await output.Stdout.WriteLineAsync(entry);
                await output.Stdout.FlushAsync(cancellationToken);
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return output.Fail(ExitCodes.Failure, $"Could not read {target.LogPath}: {e.Message}");
        }
    }

    /// <summary><c>paths</c>.</summary>
    public static int Paths(Target target, Output output)
    {
        output.Result(("name", target.Name), ("socket", target.SocketPath), ("lock", target.LockPath), ("log", target.LogPath), ("output", target.OutPath));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Connects and hands the conversation to <paramref name="use"/>, all within one budget of <paramref name="timeout"/>;
    /// nothing to connect to is "not running" (exit 2).
    /// </summary>
    private static async Task<int> TalkAsync(Target target, Output output, TimeSpan timeout, Func<Conversation, Task<int>> use)
    {
        var budget = new Budget(timeout, OsPorts.Current.Time);
        await using var client = Conversation.ClientFor(target, budget);
        var connected = await client.ConnectAsync();
        if (connected.IsFailure)
        {
            var error = connected.Match(_ => throw new InvalidOperationException(), e => e);
            return output.Fail(ExitCodes.NotRunning, $"{target.Name} is not running: {error.Message} Start it with 'outfitter-daemon start{(target.NameGiven ? " --name " + target.Name : "")}'.");
        }

        return await use(new Conversation(client, budget));
    }

    /// <summary>
    /// Reports a failed request for what it is: a timeout (exit 4, naming the lock holder), an error reply, a closed
    /// connection, or a protocol error. A timeout is never mistaken for a foreign daemon or for "not running".
    /// </summary>
    private static int FailWith(Output output, Target target, DaemonConnectionError error, string request, TimeSpan timeout) =>
        error switch
        {
            DaemonConnectionError.ConnectionTimeoutError =>
                output.Fail(ExitCodes.Timeout, TimeoutMessage(target, timeout)),
            DaemonConnectionError.RemoteError remote =>
                output.Fail(ExitCodes.Failure, $"{target.SocketPath} answered \"{request}\" with an error: {remote.RemoteMessage}{(remote.Code is { } c ? $" ({c})" : "")}."),
            DaemonConnectionError.ConnectionClosedError closed =>
                output.Fail(ExitCodes.Failure, $"{target.SocketPath} closed the connection before answering \"{request}\" ({closed.Reason}); the daemon may be stopping."),
            DaemonConnectionError.ProtocolError protocol =>
                output.Fail(ExitCodes.Failure, $"{target.SocketPath} broke the protocol answering \"{request}\": {protocol.Details}"),
            DaemonConnectionError.ConnectionRefusedError or DaemonConnectionError.StaleSocketError =>
                output.Fail(ExitCodes.NotRunning, $"{target.Name} is not running: {error.Message}"),
            DaemonConnectionError.StartFailedError or DaemonConnectionError.DaemonMismatchError =>
                output.Fail(ExitCodes.Failure, error.Message),
            DaemonConnectionError.RequestCancelledError =>
                output.Fail(ExitCodes.Failure, $"\"{request}\" to {target.SocketPath} was cancelled: {error.Message}"),
            _ => throw new InvalidOperationException($"Unknown connection error {error}."),
        };

    private static string TimeoutMessage(Target target, TimeSpan timeout)
    {
        var who = HolderPid(target).Match(p => $"PID {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}", () => "the daemon (PID unknown)");
        var stop = target.NameGiven || target.SocketPath == DefaultSocketOf(target) ? $"outfitter-daemon stop --force{(target.NameGiven ? " --name " + target.Name : "")}" : $"outfitter-daemon stop --force --socket {target.SocketPath}";
        return $"no reply within {timeout.TotalSeconds:0.###} s from {who} at {target.SocketPath}: it accepts connections but does not answer (stopped or hung?); `{stop}` ends it";
    }

    private static string? DefaultSocketOf(Target target) =>
        DaemonPaths.Resolve(target.Name).Match<string?>(p => p.SocketPath, _ => null);

    /// <summary>The lock holder's PID: the verified owner when known, else whom the lock decision names.</summary>
    private static Option<int> HolderPid(Target target) =>
        DaemonStopper.Os.WhomToSignal(target.LockPath) is SignalPermission.Allowed allowed
            ? Prelude.Some(allowed.Owner.Pid)
            : DaemonLockService.Os.Inspect(target.LockPath) is LockDecision.HeldBy { Pid: { } pid } ? Prelude.Some(pid) : Option<int>.None;

    private static string NotSignalled(Target target, OwnerSignalResult.Refused refused, string what) =>
        $"{target.Name} {what}, and no signal was sent: {refused.Message}. " +
        refused.Reason switch
        {
            SignalRefusal.NotLocked =>
                $"If that process is a daemon that takes no kernel lock (the TypeScript package), stop it by its own means; if {target.LockPath} is stale, remove it.",
            SignalRefusal.NoPidInFile or SignalRefusal.OwnerDead =>
                "A new daemon holds the lock and has not written its PID yet; run stop again in a moment.",
            _ => "Find the daemon's process and stop it by its own means; a PID that may belong to another process is never signalled.",
        };

    // Not Match: LanguageExt refuses a null result.
    private static object? PidValue(Option<int> pid) => pid.IsSome ? (int)pid : null;

    private static string PidText(Option<int> pid) => pid.Match(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture), () => "?");

    /// <summary>Right(Some): a status object; Right(None): an answer that is not one; Left: no answer, and why.</summary>
    private static async Task<Either<DaemonConnectionError, Option<JsonElement>>> StatusOf(Conversation talk) =>
        (await talk.SendRawAsync("{\"type\":\"status\"}"u8.ToArray())).ToEither().Map(json =>
            IsStatus(json, out var status) ? Prelude.Some(status) : Option<JsonElement>.None);

    private static bool IsStatus(ReadOnlyMemory<byte> json, out JsonElement status)
    {
        try
        {
            status = JsonDocument.Parse(json).RootElement;
            return status.ValueKind == JsonValueKind.Object && status.TryGetProperty("pid", out _);
        }
        catch (JsonException)
        {
            status = default;
            return false;
        }
    }

    /// <summary>The end of the daemon's structured log after a failed start (its stdout and stderr are in the error).</summary>
    private static string LogTail(Target target)
    {
        try
        {
            var tail = new DaemonLogReader().Tail(target.LogPath, FailedStartLogLines);
            return tail.Count == 0 ? "" : $"\nLast lines of {target.LogPath}:\n  " + string.Join("\n  ", tail);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"\n(could not read {target.LogPath}: {e.Message})";
        }
    }

    private static async Task<bool> WaitUntilGone(Target target, TimeSpan timeout)
    {
        var budget = new Budget(timeout, OsPorts.Current.Time);
        var delay = TimeSpan.FromMilliseconds(5);
        while (!budget.IsSpent)
        {
            if (!await DaemonLock.IsDaemonAliveAsync(target.LockPath))
                return true;
            await Task.Delay(budget.RemainingAtMost(delay), OsPorts.Current.Time);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }

        return !await DaemonLock.IsDaemonAliveAsync(target.LockPath);
    }

    /// <summary>
    /// Deletes a stale lock file, only while holding its kernel lock (<see cref="DaemonLockService.RemoveStale"/>): a
    /// daemon starting at the same moment is either refused by our lock (and retried by its starter) or locks a file we
    /// never touch. A dead socket file is left alone: the next daemon replaces it, after checking that it is a socket
    /// nobody answers on.
    /// </summary>
    private static void CleanStale(Target target) =>
        _ = DaemonLockService.Os.RemoveStale(target.LockPath); // a failure leaves the file for the next start, which reclaims it
}
