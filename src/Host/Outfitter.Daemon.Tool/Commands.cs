using System.Diagnostics;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Tool;

/// <summary>The tool's commands. Each returns a documented exit code and says what to do when something fails.</summary>
public static class Commands
{
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary><c>run</c>: the daemon in the foreground.</summary>
    public static async Task<int> RunAsync(Target target, Output output)
    {
        DaemonHost host;
        try
        {
            host = DaemonHost.Create(new DaemonHostOptions
            {
                Name = target.Name,
                SocketPath = target.SocketPath,
                LockPath = target.LockPath,
            });
        }
        catch (ArgumentException e)
        {
            return output.Fail(ExitCodes.Usage, e.Message);
        }

        await using (host)
        {
            var started = await host.StartAsync();
            if (started.IsLeft)
            {
                var error = started.Match(_ => throw new InvalidOperationException(), e => e);
                return output.Fail(error.Code == DaemonErrorCode.AlreadyRunning ? ExitCodes.Negative : ExitCodes.Failure, error.Message);
            }

            await output.Stdout.WriteLineAsync($"READY {host.SocketPath}");
            await output.Stdout.FlushAsync();

            // Signals end the process from inside the daemon (with the documented code); a shutdown request ends here.
            var stopped = await host.WaitForStopAsync();
            return SignalPolicy.ExitCodeAfterStop(stopped);
        }
    }

    /// <summary><c>start</c>: connect or start detached, report the PID.</summary>
    public static async Task<int> StartAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultStartTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        var arguments = target.NameGiven || line.Value("--socket") is null
            ? new List<string> { "run", "--name", target.Name }
            : ["run", "--socket", target.SocketPath];
        if (target.NameGiven && line.Value("--socket") is { } socket)
            arguments.AddRange(["--socket", socket]);

        var result = await DaemonClient.ConnectOrStartAsync(
            target.Name,
            DaemonStartInfo.ThisProgram([.. arguments]) with { LogPath = target.LogPath },
            new ConnectOrStartOptions { SocketPath = target.SocketPath, StartTimeout = timeout, SpawnLockPath = target.LockPath + ".spawn" }); // the library's default formula, for --socket targets too
        return await result.MatchAsync(
            RightAsync: async connected =>
            {
                await using var client = connected.Client;
                var status = await StatusOf(client);
                var pid = status.Map(s => s.GetProperty("pid").GetInt32()).IfNone(-1);
                output.Result(("name", target.Name), ("pid", pid), ("started", connected.Started), ("socket", target.SocketPath), ("log", target.LogPath));
                output.Say(connected.Started ? $"Started {target.Name} (PID {pid})." : $"{target.Name} is already running (PID {pid}).");
                return ExitCodes.Ok;
            },
            Left: error => output.Fail(ExitCodes.Failure, $"Could not start {target.Name}: {error.Message}\nLog: {target.LogPath}"));
    }

    /// <summary><c>stop</c>: ask, wait, optionally kill, clean up.</summary>
    public static async Task<int> StopAsync(Target target, CommandLine line, Output output)
    {
        var (timeout, timeoutError) = line.Timeout(DefaultStopTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        var pid = await DaemonLock.ReadLockPidAsync(target.LockPath);
        var alive = await DaemonLock.IsDaemonAliveAsync(target.LockPath);

        await using var client = IpcClient.Create(target.SocketPath, new IpcClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        var asked = (await client.ConnectAsync()).IsRight
            && (await client.SendRawAsync("{\"type\":\"shutdown\"}"u8.ToArray())).IsRight;
        if (!asked && !alive)
        {
            await CleanStaleAsync(target);
            output.Result(("name", target.Name), ("stopped", true), ("wasRunning", false));
            output.Say($"{target.Name} was not running.");
            return ExitCodes.Ok;
        }

        if (!asked)
            pid.IfSome(p => ProcessControl.Terminate(p));

        var how = asked ? "shutdown request" : "SIGTERM";
        if (!await WaitUntilGone(target, timeout))
        {
            if (!line.Has("--force"))
                return output.Fail(ExitCodes.Negative, $"{target.Name} (PID {pid.Match(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture), () => "?")}) is still running {timeout.TotalSeconds:0.#} s after the {how}. Wait longer (--timeout) or kill it (--force).");
            pid.IfSome(p => ProcessControl.Kill(p));
            how += " then SIGKILL";
            if (!await WaitUntilGone(target, TimeSpan.FromSeconds(5)))
                return output.Fail(ExitCodes.Failure, $"{target.Name} survived SIGKILL; check PID {pid}.");
        }

        await CleanStaleAsync(target);
        output.Result(("name", target.Name), ("stopped", true), ("wasRunning", true), ("pid", pid.Match<object?>(p => p, () => null)), ("how", how));
        output.Say($"Stopped {target.Name} ({how}).");
        return ExitCodes.Ok;
    }

    /// <summary><c>status</c>.</summary>
    public static Task<int> StatusAsync(Target target, Output output) =>
        WithClient(target, output, async client =>
        {
            var status = await StatusOf(client);
            return status.Match(
                Some: s =>
                {
                    if (output.Json)
                        output.RawJson(s.GetRawText());
                    else
                        output.Result(s.EnumerateObject().Select(p => (p.Name, (object?)p.Value)).ToArray());
                    return ExitCodes.Ok;
                },
                None: () => output.Fail(ExitCodes.Failure, $"{target.SocketPath} answered, but not to \"status\" (is it an Outfitter daemon? try ping or send)."));
        });

    /// <summary><c>health</c>: 0 healthy, 1 unhealthy, 2 not running.</summary>
    public static Task<int> HealthAsync(Target target, Output output) =>
        WithClient(target, output, async client =>
        {
            var reply = await client.SendRawAsync("{\"type\":\"health\"}"u8.ToArray());
            return reply.Match(
                Right: json =>
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
                Left: error => output.Fail(error is DaemonConnectionError.RemoteError ? ExitCodes.Failure : ExitCodes.NotRunning, error.Message));
        });

    /// <summary><c>ping</c>.</summary>
    public static Task<int> PingAsync(Target target, Output output) =>
        WithClient(target, output, async client =>
        {
            var watch = Stopwatch.StartNew();
            var reply = await client.SendRawAsync("{\"type\":\"ping\"}"u8.ToArray());
            var micros = watch.Elapsed.TotalMicroseconds;
            return reply.Match(
                Right: _ =>
                {
                    output.Result(("socket", target.SocketPath), ("pong", true), ("roundTripMicroseconds", Math.Round(micros, 1)));
                    return ExitCodes.Ok;
                },
                Left: error => output.Fail(ExitCodes.Failure, error.Message));
        });

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

        var (timeout, timeoutError) = line.Timeout(RequestTimeout);
        if (timeoutError is not null)
            return output.Fail(ExitCodes.Usage, timeoutError);
        return await WithClient(target, output, async client =>
        {
            var reply = await client.SendAsync(payload);
            return reply.Match(
                Right: json =>
                {
                    output.RawJson(json.GetRawText());
                    return ExitCodes.Ok;
                },
                Left: error => output.Fail(error is DaemonConnectionError.RemoteError ? ExitCodes.Negative : ExitCodes.Failure, error.Message));
        }, timeout);
    }

    /// <summary><c>paths</c>.</summary>
    public static int Paths(Target target, Output output)
    {
        output.Result(("name", target.Name), ("socket", target.SocketPath), ("lock", target.LockPath), ("log", target.LogPath));
        return ExitCodes.Ok;
    }

    private static async Task<int> WithClient(Target target, Output output, Func<IpcClient, Task<int>> use, TimeSpan? requestTimeout = null)
    {
        await using var client = IpcClient.Create(target.SocketPath, new IpcClientOptions { RequestTimeout = requestTimeout ?? RequestTimeout, LockPath = target.LockPath });
        var connected = await client.ConnectAsync();
        if (connected.IsLeft)
        {
            var error = connected.Match(_ => throw new InvalidOperationException(), e => e);
            return output.Fail(ExitCodes.NotRunning, $"{target.Name} is not running: {error.Message} Start it with 'outfitter-daemon start{(target.NameGiven ? " --name " + target.Name : "")}'.");
        }

        return await use(client);
    }

    private static async Task<Option<JsonElement>> StatusOf(IpcClient client) =>
        (await client.SendRawAsync("{\"type\":\"status\"}"u8.ToArray())).Match(
            Right: json => JsonDocument.Parse(json).RootElement is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("pid", out _) ? Prelude.Some(e) : Prelude.None,
            Left: _ => Option<JsonElement>.None);

    private static async Task<bool> WaitUntilGone(Target target, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (deadline.Elapsed < timeout)
        {
            if (!await DaemonLock.IsDaemonAliveAsync(target.LockPath))
                return true;
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }

        return !await DaemonLock.IsDaemonAliveAsync(target.LockPath);
    }

    private static async Task CleanStaleAsync(Target target)
    {
        // Only a lock file that no live daemon owns. A dead socket file is left alone: the next daemon replaces it,
        // and only after checking that it is a socket nobody answers on.
        if (await DaemonLock.IsDaemonAliveAsync(target.LockPath))
            return;
        try
        {
            if (File.Exists(target.LockPath))
                File.Delete(target.LockPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next start, which reclaims a stale lock anyway.
        }
    }
}
