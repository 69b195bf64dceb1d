using System.Diagnostics;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Starts daemons detached and waits until they answer. On Unix the daemon gets a new session (<c>setsid</c>), stdin
/// from <c>/dev/null</c>, and stdout/stderr appended to its log, so it outlives the terminal and the caller. Readiness
/// means answering <c>{"type":"ping"}</c>; if the daemon exits first, the caller gets its exit code and the last lines of
/// its log instead of a timeout.
/// </summary>
public static class DaemonLauncher
{
    private const int LogTailLines = 20;

    /// <summary>Starts <paramref name="start"/> detached, logging to <paramref name="logPath"/>; the started process.</summary>
    public static Process StartDetached(DaemonStartInfo start, string logPath)
    {
        ArgumentNullException.ThrowIfNull(start);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        ProcessStartInfo info;
        if (OperatingSystem.IsWindows())
        {
            info = new ProcessStartInfo(start.FileName) { UseShellExecute = false, CreateNoWindow = true, RedirectStandardOutput = false };
            foreach (var argument in start.Arguments)
                info.ArgumentList.Add(argument);
        }
        else
        {
            // The shell only sets up stdio and then is replaced by the daemon (exec), so the PID we get is the daemon's.
            // setsid(1) gives it its own session where available; elsewhere SIGHUP is ignored instead.
            const string script = """
                trap '' HUP
                if command -v setsid >/dev/null 2>&1; then exec setsid "$0" "$@" </dev/null >>"$OUTFITTER_DAEMON_LOG" 2>&1; fi
                exec "$0" "$@" </dev/null >>"$OUTFITTER_DAEMON_LOG" 2>&1
                """;
            info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(start.FileName);
            foreach (var argument in start.Arguments)
                info.ArgumentList.Add(argument);
            info.Environment["OUTFITTER_DAEMON_LOG"] = logPath;
        }

        if (start.WorkingDirectory is { } directory)
            info.WorkingDirectory = directory;
        foreach (var (name, value) in start.Environment)
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
    }

    /// <summary>
    /// Waits until the daemon at <paramref name="socketPath"/> answers a ping, or <paramref name="daemon"/> exits, or the
    /// deadline passes. The connected client on success.
    /// </summary>
    public static async Task<Either<DaemonConnectionError, IpcClient>> WaitUntilReadyAsync(
        string socketPath, Process daemon, string logPath, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        var client = IpcClient.Create(socketPath, new IpcClientOptions { ConnectTimeout = deadline, RequestTimeout = deadline });
        var connecting = ConnectAndPingAsync(client, cancellationToken);
        var exited = daemon.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(connecting, exited).ConfigureAwait(false);
        if (first == connecting && (await connecting.ConfigureAwait(false)).IsRight)
            return client;

        await client.DisposeAsync().ConfigureAwait(false);
        if (first == exited || daemon.HasExited)
            return new DaemonConnectionError.StartFailedError(daemon.HasExited ? Some(daemon.ExitCode) : None, LogTail(logPath));

        // Not ready in time: do not leave a half-started daemon behind that the caller believes failed.
        try
        {
            daemon.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }

        var tail = LogTail(logPath);
        return new DaemonConnectionError.StartFailedError(None, (tail.Length > 0 ? tail + "\n" : "") + "(it did not answer within the start timeout and was stopped)");
    }

    private static async Task<Either<DaemonConnectionError, Unit>> ConnectAndPingAsync(IpcClient client, CancellationToken cancellationToken)
    {
        var connected = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (connected.IsLeft)
            return connected;
        var pong = await client.SendRawAsync("{\"type\":\"ping\"}"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        return pong.Map(_ => unit);
    }

    /// <summary>The last lines of a log file (empty when there is none).</summary>
    public static string LogTail(string logPath, int lines = LogTailLines)
    {
        try
        {
            var all = File.ReadAllLines(logPath);
            return string.Join("\n", all.TakeLast(lines));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
