// A child program for the integration tests: a real, separate process that takes locks the way a daemon would.
// Protocol: one line per event on stdout; commands on stdin. Every wait has the parent's deadline behind it.
using Outfitter.Daemon;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Hosting;

Console.Out.Flush();
return args switch
{
    ["hold", var lockPath] => Hold(lockPath),
    ["race", var lockPath, var gateDir, var rounds] => Race(lockPath, gateDir, int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture)),
    ["churn", var lockPath, var marker, var attempts, var gate] => Churn(lockPath, marker, int.Parse(attempts, System.Globalization.CultureInfo.InvariantCulture), gate),
    ["daemon", var pidFile, var marker, var timeoutMs, var handlerDelayMs] => await RunDaemon(pidFile, marker, int.Parse(timeoutMs, System.Globalization.CultureInfo.InvariantCulture), int.Parse(handlerDelayMs, System.Globalization.CultureInfo.InvariantCulture)),
    ["connect-or-start", var name, var gate, var toolDll] => await ConnectOrStart(name, gate, toolDll),
    ["host-daemon", var name, var flag] => await HostDaemon(name, flag),
    ["ipc-server", var socketPath] => await IpcServerWithLog(socketPath, null),
    ["ipc-server", var socketPath, var maxConnections] => await IpcServerWithLog(socketPath, int.Parse(maxConnections, System.Globalization.CultureInfo.InvariantCulture)),
    ["start-race", var lockPath, var gateDir, var rounds, var windowMs] => StartRace(lockPath, gateDir, int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture), int.Parse(windowMs, System.Globalization.CultureInfo.InvariantCulture)),
    ["clean-race", var lockPath, var gateDir, var rounds, var windowMs] => CleanRace(lockPath, gateDir, int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture), int.Parse(windowMs, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

// An IPC server (ping) whose log goes to stderr, one line per entry: "LEVEL EventId message". Runs until stdin closes.
static async Task<int> IpcServerWithLog(string socketPath, int? maxConnections)
{
    await using var server = IpcServer.Create(socketPath, new IpcServerOptions { MaxConnections = maxConnections }, new StderrLogger());
    server.OnRequest(new IpcRouter().MapBuiltins().Handle);
    var listening = await server.ListenAsync();
    if (listening.IsFailure)
    {
        Say("FAILED " + listening.Match(_ => "", e => e.Message));
        return 1;
    }

    Say("READY");
    await Task.Run(() =>
    {
        while (Console.ReadLine() is not null)
        {
        }
    });
    await server.CloseAsync();
    return 0;
}

// Acquire, report, hold until stdin says "release" (or closes), release, report.
static int Hold(string lockPath)
{
    var acquired = DaemonLockService.Os.Acquire(lockPath);
    return acquired.Match(
        handle =>
        {
            Say($"ACQUIRED {handle.Pid}");
            while (Console.ReadLine() is { } line && line != "release")
            {
            }

            handle.Dispose();
            Say("RELEASED");
            return 0;
        },
        error =>
        {
            Say($"REFUSED {Describe(error)}");
            return 1;
        });
}

// Many rounds: wait at the round's FIFO gate (the parent opens it for writing to release everyone at once), try to
// acquire, report, then wait for "next" before releasing, so the winner holds while every other racer tries.
static int Race(string lockPath, string gateDir, int rounds)
{
    for (var round = 0; round < rounds; round++)
    {
        Say($"READY {round}");
        using (File.OpenHandle(Path.Combine(gateDir, $"gate-{round}"), FileMode.Open, FileAccess.Read))
        {
            // Opening a FIFO for reading blocks until the parent opens it for writing: that is the gate.
        }

        var result = DaemonLockService.Os.Acquire(lockPath);
        Say(result.Match(
            h => $"ACQUIRED {round} {h.Pid}",
            e => $"REFUSED {round} {Describe(e)}"));
        var line = Console.ReadLine();
        result.Switch(h => h.Dispose(), _ => { });
        if (line != "next")
            return 2;
        Say($"DONE {round}");
    }

    return 0;
}

// Acquire and release as fast as possible while other processes do the same. Each tenure creates a marker file with
// CreateNew and deletes it before releasing: if two processes ever owned the lock at once, one CreateNew would fail.
// Fast release-while-others-open is exactly where the unlink race lives.
static int Churn(string lockPath, string marker, int attempts, string gate)
{
    Say("READY");
    using (File.OpenHandle(gate, FileMode.Open, FileAccess.Read))
    {
        // All churners start together, so their attempts overlap.
    }

    int acquired = 0, violations = 0, errors = 0, refused = 0;
    for (var i = 0; i < attempts; i++)
    {
        var result = DaemonLockService.Os.Acquire(lockPath);
        if (result.IsFailure)
        {
            if (result.Error.Code == LockErrorCode.AlreadyLocked)
                refused++;
            else
                errors++;
            continue;
        }

        acquired++;
        var mine = false;
        try
        {
            using (new FileStream(marker, FileMode.CreateNew))
                mine = true;
        }
        catch (IOException)
        {
            violations++;
        }

        Thread.SpinWait(200);
        if (mine)
            File.Delete(marker);
        result.Switch(h => h.Dispose(), _ => { });
    }

    Say($"CHURN {acquired} {violations} {errors} {refused}");
    return 0;
}

// A daemon as a user would write one: two shutdown handlers that leave traces in a marker file; signals stop it and the
// library exits the process with the documented code.
static async Task<int> RunDaemon(string pidFile, string marker, int timeoutMs, int handlerDelayMs)
{
    var daemon = Daemon.Create(new DaemonOptions
    {
        Name = "test-daemon",
        PidFile = pidFile,
        ShutdownTimeout = TimeSpan.FromMilliseconds(timeoutMs),
    });
    daemon.OnShutdown(async ct =>
    {
        File.AppendAllText(marker, "handler1\n");
        if (handlerDelayMs > 0)
            await Task.Delay(handlerDelayMs, ct);
    });
    daemon.OnShutdown(_ =>
    {
        File.AppendAllText(marker, "handler2\n");
        return Task.CompletedTask;
    });

    var started = await daemon.StartAsync();
    if (started.IsFailure)
    {
        started.Switch(_ => { }, e => Say($"ERROR {e.CodeName} {e.Message}"));
        return 3;
    }

    Say($"RUNNING {Environment.ProcessId}");
    await daemon.WaitForStopAsync();

    // The library exits the process once a signal-initiated stop completes; wait for that.
    await Task.Delay(Timeout.Infinite);
    return 0;
}

// A client as a user would write one: wait at the FIFO gate (so many of these start together), then find the daemon NAME
// or start it (`dotnet TOOL_DLL run --name NAME`), ask it for its status through the returned client, and report
// "CONNECTED <daemon pid> <started true|false>", or "FAILED <message>" on one line.
static async Task<int> ConnectOrStart(string name, string gate, string toolDll)
{
    Say("READY");
    using (File.OpenHandle(gate, FileMode.Open, FileAccess.Read))
    {
        // Blocks until the parent opens the gate for writing.
    }

    var dotnet = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which dotnet host runs this program.");
    var result = await DaemonClient.ConnectOrStartAsync(
        name,
        new DaemonStartInfo(dotnet, [toolDll, "run", "--name", name]),
        new ConnectOrStartOptions { StartTimeout = TimeSpan.FromSeconds(60) });
    if (result.IsFailure)
    {
        result.Switch(_ => { }, e => Say($"FAILED {OneLine(e.Message)}"));
        return 1;
    }

    var (client, started) = result.Match(c => c, _ => throw new InvalidOperationException());
    await using (client)
    {
        var status = await client.SendRawAsync("{\"type\":\"status\"}"u8.ToArray());
        return status.Match(
            json =>
            {
                using var reply = System.Text.Json.JsonDocument.Parse(json);
                var pid = reply.RootElement.GetProperty("pid").GetInt32();
                Say($"CONNECTED {pid} {(started ? "true" : "false")}");
                return 0;
            },
            e =>
            {
                Say($"FAILED status: {OneLine(e.Message)}");
                return 1;
            });
    }
}

// A daemon start as a connect-or-start client would retry it: after the round's gate, try to take the lock again and
// again for WINDOW_MS, so that if a clean-up ever deleted the winner's file, another racer would get in too. The winner
// reports "ACQUIRED <round> <pid>", the others "REFUSED <round>"; everyone waits for "next" before releasing.
static int StartRace(string lockPath, string gateDir, int rounds, int windowMs)
{
    var giveUp = TimeSpan.FromSeconds(30); // well within the test's 60 s wait for the report
    for (var round = 0; round < rounds; round++)
    {
        Say($"READY {round}");
        using (File.OpenHandle(Path.Combine(gateDir, $"gate-{round}"), FileMode.Open, FileAccess.Read))
        {
        }

        // Retry for WINDOW_MS, and past it for as long as no daemon has been seen holding the lock: a clean-up holds it
        // too, for microseconds, but a starved machine can preempt it meanwhile for longer than the whole window, and a
        // starter that gave up then would leave the round without a daemon for no reason of the code under test. The
        // give-up deadline turns a lock nobody can take into a report (and a failure) instead of a hang.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        LockHandle? held = null;
        var daemonSeen = false;
        while (held is null && (watch.ElapsedMilliseconds < windowMs || !daemonSeen) && watch.Elapsed < giveUp)
        {
            DaemonLockService.Os.Acquire(lockPath).Switch(h => held = h, e => daemonSeen |= NamesLiveHolder(e));
            if (held is null)
                Thread.Yield();
        }

        Say(held is null ? $"REFUSED {round}" : $"ACQUIRED {round} {held.Pid}");
        var line = Console.ReadLine();
        held?.Dispose();
        if (line != "next")
            return 2;
        Say($"DONE {round}");
    }

    return 0;
}

// A refusal because a live process (a daemon that took the lock and wrote its PID) holds the lock, not a clean-up.
static bool NamesLiveHolder(LockError error) =>
    error.Code == LockErrorCode.AlreadyLocked && error.Pid is int pid && pid != Environment.ProcessId
    && Directory.Exists($"/proc/{pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

// The tool's stale clean-up (what `stop` does when nothing answers), as fast as possible for WINDOW_MS after the gate;
// reports "CLEANED <round> <calls> <files removed>".
static int CleanRace(string lockPath, string gateDir, int rounds, int windowMs)
{
    for (var round = 0; round < rounds; round++)
    {
        Say($"READY {round}");
        using (File.OpenHandle(Path.Combine(gateDir, $"gate-{round}"), FileMode.Open, FileAccess.Read))
        {
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        int calls = 0, removed = 0;
        while (watch.ElapsedMilliseconds < windowMs)
        {
            calls++;
            DaemonLockService.Os.RemoveStale(lockPath).Switch(r => removed += r ? 1 : 0, _ => { });
        }

        Say($"CLEANED {round} {calls} {removed}");
        if (Console.ReadLine() != "next")
            return 2;
        Say($"DONE {round}");
    }

    return 0;
}

static string OneLine(string text) => text.ReplaceLineEndings(" | ");

static string Describe(LockError error) =>
    $"{error.Code} {error.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";

static void Say(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}

// A composed daemon (lock, IPC, health, systemd integration) whose one health check passes while FLAG exists. Each run
// of the check first appends one byte to FLAG.checks, so a test can tell how many checks have begun.
static async Task<int> HostDaemon(string name, string flag)
{
    var checks = flag + ".checks";
    var checker = HealthChecker.Create([new HealthCheck("flag", _ =>
    {
        File.AppendAllText(checks, ".");
        return Task.FromResult(File.Exists(flag));
    }, "the flag file is missing")]);
    await using var host = DaemonHost.Create(new DaemonHostOptions { Name = name }, checker);
    var started = await host.StartAsync();
    if (started.IsFailure)
    {
        started.Switch(_ => { }, e => Say($"ERROR {e.CodeName} {e.Message}"));
        return 3;
    }

    Say($"READY {host.SocketPath}");
    var stopped = await host.WaitForStopAsync();
    return stopped.IsSuccess ? 0 : 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: outfitter-test-helper hold LOCK | race LOCK GATE_DIR ROUNDS | churn LOCK MARKER ATTEMPTS GATE | daemon PIDFILE MARKER TIMEOUT_MS HANDLER_DELAY_MS | connect-or-start NAME GATE_FIFO TOOL_DLL");
    return 64;
}

/// <summary>A logger that writes each entry as one line on stderr, for tests that read a child's log.</summary>
internal sealed class StderrLogger : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Console.Error.WriteLine($"{logLevel} {eventId.Id} {formatter(state, exception)}");
        Console.Error.Flush();
    }
}
