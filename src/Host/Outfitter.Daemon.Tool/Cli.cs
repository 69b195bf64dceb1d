using System.Reflection;

namespace Outfitter.Daemon.Tool;

/// <summary>The command-line front end: parses arguments, runs one command, returns a documented exit code.</summary>
public static class Cli
{
    /// <summary>The tool's version, as <c>outfitter-daemon --version</c> prints it (the package version, then <c>+</c> and the commit when known).</summary>
    public static string Version { get; } =
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Cli).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Runs the command in <paramref name="args"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        switch (CommandLine.Parse(args))
        {
            case Parsed.Complete complete:
                foreach (var completion in CommandTree.CompletionsFor(complete.Result))
                    await stdout.WriteLineAsync(completion);
                return ExitCodes.Ok;
            case Parsed.Usage usage:
                await stdout.WriteLineAsync(usage.Text);
                return usage.IsError ? ExitCodes.Usage : ExitCodes.Ok;
            case Parsed.Version:
                await stdout.WriteLineAsync(args.Contains("--json") ? $"{{\"version\":\"{Version}\"}}" : Version);
                return ExitCodes.Ok;
            case Parsed.Error error:
                return new Output(stdout, stderr, error.Json).Fail(ExitCodes.Usage, error.Message, error.Suggestions);
            case Parsed.Run { Line: var line }:
                return await RunAsync(line, stdout, stderr);
            default:
                throw new InvalidOperationException("Unknown parse outcome.");
        }
    }

    private static async Task<int> RunAsync(CommandLine line, TextWriter stdout, TextWriter stderr)
    {
        if (line.Command == "demo")
            return await Demo.RunAsync(stdout, stderr);

        var output = new Output(stdout, stderr, line.Json);
        if (line.Command == "completion")
        {
            return line.Positionals is [var shell] && Completion.ScriptFor(shell) is { } script
                ? output.Text(script)
                : output.Fail(ExitCodes.Usage, $"completion takes one shell: {string.Join(", ", CommandTree.Shells)} (got \"{string.Join(' ', line.Positionals)}\").");
        }

        var (target, targetError) = Target.From(line);
        if (target is null)
            return output.Fail(ExitCodes.Usage, targetError!);

        return line.Command switch
        {
            "run" => await Commands.RunAsync(target, line, output),
            "start" => await Commands.StartAsync(target, line, output),
            "stop" => await Commands.StopAsync(target, line, output),
            "status" => await Commands.StatusAsync(target, line, output),
            "health" => await Commands.HealthAsync(target, line, output),
            "ping" => await Commands.PingAsync(target, line, output),
            "send" => await Commands.SendAsync(target, line, output),
            "logs" => await Commands.LogsAsync(target, line, output),
            "paths" => Commands.Paths(target, output),
            _ => output.Fail(ExitCodes.Usage, $"Unknown command \"{line.Command}\"."),
        };
    }
}
