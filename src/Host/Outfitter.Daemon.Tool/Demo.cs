using System.Diagnostics;

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
        var (target, error) = Target.From(CommandLine.Parse(["demo", "--name", name]).Line!);
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

        var line = CommandLine.Parse(["start", "--name", name]).Line!;
        await Step($"start --name {name}", () => Commands.StartAsync(target, line, output));
        await Step($"ping --name {name}", () => Commands.PingAsync(target, line, output));
        await Step($"send --name {name} '{{\"type\":\"echo\",\"data\":\"hello ✓\"}}'", () => Commands.SendAsync(target, CommandLine.Parse(["send", "{\"type\":\"echo\",\"data\":\"hello ✓\"}"]).Line!, output));
        await Step($"status --name {name}", () => Commands.StatusAsync(target, line, output));
        await Step($"health --name {name}", () => Commands.HealthAsync(target, line, output));
        await Step($"run --name {name}   (a second instance)", () => SecondInstanceAsync(name, stdout), ExitCodes.Negative);
        await Step($"stop --name {name}", () => Commands.StopAsync(target, CommandLine.Parse(["stop", "--name", name]).Line!, output));
        await Step($"status --name {name}", () => Commands.StatusAsync(target, line, new Output(stdout, stdout, json: false)), ExitCodes.NotRunning);

        // The demo's daemon had its own name: leave nothing behind.
        try
        {
            Directory.Delete(Path.GetDirectoryName(target.LockPath)!, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"(could not remove the demo's directory: {e.Message})");
        }

        await stdout.WriteLineAsync(failures == 0
            ? "\nDemo passed: started, answered, refused a second instance, stopped cleanly."
            : $"\nDemo FAILED: {failures} step(s) did not go as expected.");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static async Task<int> SecondInstanceAsync(string name, TextWriter stdout)
    {
        var start = DaemonStartInfo.ThisProgram("run", "--name", name);
        var info = new ProcessStartInfo(start.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in start.Arguments)
            info.ArgumentList.Add(argument);
        using var child = Process.Start(info) ?? throw new InvalidOperationException("Could not start a second instance.");
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await child.WaitForExitAsync(deadline.Token);
        await stdout.WriteLineAsync("  " + ((await output) + (await errors)).Trim());
        return child.ExitCode;
    }
}
