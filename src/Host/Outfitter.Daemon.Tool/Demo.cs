using System.Diagnostics;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The README's main-job command for now: shows single-instance locking end to end with a real second process.
/// Later issues grow it into a full daemon round trip.
/// </summary>
public static class Demo
{
    /// <summary>The tool name the demo uses by default.</summary>
    public const string DefaultName = "outfitter-demo";

    /// <summary>Runs the demo for <paramref name="name"/>.</summary>
    public static async Task<int> RunAsync(string name, TextWriter stdout, TextWriter stderr)
    {
        var resolved = DaemonPaths.Resolve(name);
        if (resolved.IsLeft)
        {
            resolved.IfLeft(e => stderr.WriteLine(e.Message));
            return ExitCodes.Usage;
        }

        var paths = resolved.Match(p => p, _ => throw new InvalidOperationException());
        await stdout.WriteLineAsync($"Lock file for \"{name}\": {paths.LockPath}");

        var acquired = await DaemonLock.AcquireAsync(paths.LockPath);
        if (acquired.IsLeft)
        {
            acquired.IfLeft(e => stderr.WriteLine($"Cannot run the demo: {e.Message}"));
            return ExitCodes.AlreadyLocked;
        }

        var handle = acquired.Match(h => h, _ => throw new InvalidOperationException());
        await stdout.WriteLineAsync($"1. This process (PID {handle.Pid}) took the lock ({Describe(handle)}).");
        await stdout.WriteLineAsync($"   The lock file reads: {File.ReadAllText(paths.LockPath).Replace("\n", "\\n", StringComparison.Ordinal)}");

        var (code, output) = await RunSecondInstanceAsync(paths.LockPath);
        await stdout.WriteLineAsync($"2. A second instance tried the same lock: exit code {code}, \"{output}\"");

        await DaemonLock.ReleaseAsync(handle);
        await stdout.WriteLineAsync($"3. This process released the lock; the file is {(File.Exists(paths.LockPath) ? "still there" : "gone")}.");

        var (codeAfter, outputAfter) = await RunSecondInstanceAsync(paths.LockPath);
        await stdout.WriteLineAsync($"4. The second instance tried again: exit code {codeAfter}, \"{outputAfter}\"");

        var ok = code == ExitCodes.AlreadyLocked && codeAfter == ExitCodes.Ok;
        await stdout.WriteLineAsync(ok ? "Demo passed: only one instance ever held the lock." : "Demo FAILED: unexpected results above.");
        return ok ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static string Describe(LockHandle handle) => handle.Decision switch
    {
        Core.Locking.LockDecision.Acquire => "a fresh lock",
        Core.Locking.LockDecision.ReclaimStale s => $"reclaimed from dead PID {s.StalePid}: {s.Reason}",
        Core.Locking.LockDecision.ReclaimInvalid i => $"reclaimed an invalid file: {i.Reason}",
        var other => other.ToString(),
    };

    private static async Task<(int Code, string Output)> RunSecondInstanceAsync(string lockPath)
    {
        var info = Cli.SelfStartInfo("try-lock", lockPath);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var child = Process.Start(info) ?? throw new InvalidOperationException("Could not start a second instance.");
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await child.WaitForExitAsync(deadline.Token);
        return (child.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
