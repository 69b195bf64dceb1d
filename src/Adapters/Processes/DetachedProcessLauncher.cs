using System.ComponentModel;
using System.Diagnostics;
using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>
/// Starts daemons detached. On Unix the daemon gets a new session (<c>setsid</c>), stdin from <c>/dev/null</c>, and
/// stdout/stderr appended to its log, so it outlives the terminal and the caller; <c>/bin/sh</c> only sets up stdio and
/// is then replaced by the daemon (<c>exec</c>), so the PID we hold is the daemon's. On Windows it is a window-less
/// child. Thread-safe.
/// </summary>
internal sealed class DetachedProcessLauncher : IDaemonLauncher
{
    // The shell only sets up stdio and then is replaced by the daemon (exec). setsid(1) gives it its own session where
    // available; elsewhere SIGHUP is ignored instead.
    private const string UnixScript = """
        trap '' HUP
        umask 077
        if command -v setsid >/dev/null 2>&1; then exec setsid "$0" "$@" </dev/null >>"$OUTFITTER_DAEMON_LOG" 2>&1; fi
        exec "$0" "$@" </dev/null >>"$OUTFITTER_DAEMON_LOG" 2>&1
        """;

    /// <inheritdoc />
    public Fin<ISpawnedProcess> Spawn(DaemonLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(launch.LogPath))!);
            var info = StartInfo(launch);
            var process = Process.Start(info);
            return process is null
                ? OsErrors.Io($"{launch.FileName} could not be started")
                : new SpawnedProcess(process);
        }
        catch (Exception e) when (e is Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException)
        {
            return OsErrors.Io($"{launch.FileName} could not be started: {e.Message}");
        }
    }

    /// <inheritdoc />
    public Option<string> LogTail(string logPath, int lines)
    {
        try
        {
            return string.Join("\n", File.ReadAllLines(logPath).TakeLast(Math.Max(0, lines)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return None;
        }
    }

    /// <inheritdoc />
    public Fin<DaemonProgram> ThisProgram()
    {
        var processPath = Environment.ProcessPath;
        if (processPath is null)
            return OsErrors.Unsupported("Cannot tell where this program lives.");
        if (Path.GetFileNameWithoutExtension(processPath) != "dotnet")
            return new DaemonProgram(processPath, Seq<string>());
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        return entry is null
            ? OsErrors.Unsupported("This program has no entry assembly.")
            : new DaemonProgram(processPath, Seq1(Path.Combine(AppContext.BaseDirectory, entry + ".dll")));
    }

    private static ProcessStartInfo StartInfo(DaemonLaunch launch)
    {
        ProcessStartInfo info;
        if (OperatingSystem.IsWindows())
        {
            info = new ProcessStartInfo(launch.FileName) { UseShellExecute = false, CreateNoWindow = true, RedirectStandardOutput = false };
            foreach (var argument in launch.Arguments)
                info.ArgumentList.Add(argument);
        }
        else
        {
            info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(UnixScript);
            info.ArgumentList.Add(launch.FileName);
            foreach (var argument in launch.Arguments)
                info.ArgumentList.Add(argument);
            info.Environment["OUTFITTER_DAEMON_LOG"] = launch.LogPath;
        }

        launch.WorkingDirectory.IfSome(directory => info.WorkingDirectory = directory);
        foreach (var (name, value) in launch.Environment)
        {
            if (value.IsNone)
                info.Environment.Remove(name);
            else
                info.Environment[name] = (string)value;
        }

        return info;
    }

    /// <summary>Our child: its exit code comes from the OS's reaping of it, so a reused PID is never mistaken for it.</summary>
    private sealed class SpawnedProcess(Process process) : ISpawnedProcess
    {
        public int Pid { get; } = process.Id;

        public SpawnedProcessState Observe()
        {
            try
            {
                return process.HasExited ? new SpawnedProcessState.Exited(Some(process.ExitCode)) : new SpawnedProcessState.Running();
            }
            catch (InvalidOperationException)
            {
                return new SpawnedProcessState.Exited(None);
            }
        }

        public Fin<Unit> Kill()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                return unit;
            }
            catch (InvalidOperationException)
            {
                return unit; // it exited on its own meanwhile
            }
            catch (Exception e) when (e is Win32Exception or NotSupportedException)
            {
                return OsErrors.Io($"PID {Pid} could not be killed: {e.Message}");
            }
        }

        public void Dispose() => process.Dispose();
    }
}
