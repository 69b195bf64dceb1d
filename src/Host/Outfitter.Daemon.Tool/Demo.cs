using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The README's main-job command: starts a daemon in the background, talks to it, shows its status and health, shows a
/// second instance being refused, and stops it. Uses its own daemon name, so it never touches another daemon.
/// </summary>
public static class Demo
{
    /// <summary>Runs the demo; 0 when every step worked.</summary>
    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var name = $"outfitter-demo-{Composition.OsPorts.Current.Processes.Current.Pid}";
        var (target, error) = Target.From(CommandLine.Of("paths", "--name", name));
        if (target is null)
        {
            await stderr.WriteLineAsync(error);
            return ExitCodes.Failure;
        }

        var output = new Output(stdout, stderr, json: false);
        var failures = 0;
        async Task Step(string title, Func<Task<int>> step, int expected = ExitCodes.Ok)
        {
            await stdout.WriteLineAsync($"\n$ outfitter-daemon {title}");
            var code = await step();
            if (code != expected)
            {
                failures++;
                await stdout.WriteLineAsync($"  (unexpected exit code {code}, wanted {expected})");
            }
        }

        var line = CommandLine.Of("start", "--name", name);
        await Step($"start --name {name}", () => Commands.StartAsync(target, line, output));
        await Step($"start --name {name} --replace   (the same build: kept)", () => Commands.StartAsync(target, CommandLine.Of("start", "--name", name, "--replace"), output));
        await Step($"ping --name {name}", () => Commands.PingAsync(target, line, output));
        await Step($"send --name {name} '{{\"type\":\"echo\",\"data\":\"hello ✓\"}}'", () => Commands.SendAsync(target, CommandLine.Of("send", "{\"type\":\"echo\",\"data\":\"hello ✓\"}"), output));
        await Step($"status --name {name}", () => Commands.StatusAsync(target, line, output));
        await Step($"health --name {name}", () => Commands.HealthAsync(target, line, output));
        await Step($"run --name {name}   (a second instance)", () => SecondInstanceAsync(name, Path.Combine(Path.GetDirectoryName(target.LockPath)!, "second-instance.log"), stdout), ExitCodes.Negative);
        await Step($"stop --name {name}", () => Commands.StopAsync(target, CommandLine.Of("stop", "--name", name), output));
        await Step($"status --name {name}", () => Commands.StatusAsync(target, line, new Output(stdout, stdout, json: false)), ExitCodes.NotRunning);

        // The demo's daemon had its own name: leave nothing behind.
        var removed = OsPorts.Current.Directories.RemoveTree(Path.GetDirectoryName(target.LockPath)!);
        if (removed.IsFail)
            await stderr.WriteLineAsync($"(could not remove the demo's directory: {removed.Match(_ => "", e => e.Message)})");

        await stdout.WriteLineAsync(failures == 0
            ? "\nDemo passed: started, answered, refused a second instance, stopped cleanly."
            : $"\nDemo FAILED: {failures} step(s) did not go as expected.");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>Runs <c>run --name</c> again through the launcher port and shows what it said (its log) and its exit code.</summary>
    private static async Task<int> SecondInstanceAsync(string name, string logPath, TextWriter stdout)
    {
        var ports = OsPorts.Current;
        var start = DaemonStartInfo.ThisProgram("run", "--name", name);
        var spawned = ports.Launcher.Spawn(new DaemonLaunch(start.FileName, toSeq(start.Arguments), None, Seq<(string, Option<string>)>(), logPath));
        if (spawned.IsFail)
        {
            await stdout.WriteLineAsync("  could not start a second instance: " + spawned.Match(_ => "", e => e.Message));
            return ExitCodes.Failure;
        }

        var child = spawned.Match(p => p, e => throw new InvalidOperationException(e.Message));
        var deadline = ports.Time.GetTimestamp() + (long)(60 * ports.Time.TimestampFrequency);
        while (child.Observe() is SpawnedProcessState.Running)
        {
            if (ports.Time.GetTimestamp() > deadline)
            {
                child.Kill();
                await stdout.WriteLineAsync("  the second instance did not exit within 60 s");
                return ExitCodes.Failure;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), ports.Time);
        }

        await stdout.WriteLineAsync("  " + ports.Launcher.LogTail(logPath, 5).IfNone("").Trim());
        return child.Observe() is SpawnedProcessState.Exited exited ? exited.ExitCode.IfNone(ExitCodes.Failure) : ExitCodes.Failure;
    }
}
