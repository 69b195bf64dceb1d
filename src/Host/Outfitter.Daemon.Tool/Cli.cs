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
        var (line, parseError) = CommandLine.Parse(args);
        if (line is null)
        {
            await stderr.WriteLineAsync($"{parseError} Run 'outfitter-daemon --help'.");
            return ExitCodes.Usage;
        }

        if (line.Command is "--version" or "version")
        {
            await stdout.WriteLineAsync(Version);
            return ExitCodes.Ok;
        }

        if (line.Command == "help")
        {
            await stdout.WriteLineAsync(line.Positionals.Count == 1 && Help.For(line.Positionals[0]) is { } one ? one : Help.Overview);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        if (Help.For(line.Command) is not { } usage)
        {
            await stderr.WriteLineAsync($"Unknown command \"{line.Command}\". Run 'outfitter-daemon --help'.");
            return ExitCodes.Usage;
        }

        if (line.Has("--help"))
        {
            await stdout.WriteLineAsync(usage);
            return ExitCodes.Ok;
        }

        if (line.Command == "demo")
            return await Demo.RunAsync(stdout, stderr);

        var output = new Output(stdout, stderr, line.Json);
        var (target, targetError) = Target.From(line);
        if (target is null)
            return output.Fail(ExitCodes.Usage, targetError!);
        if (line.Command != "send" && line.Positionals.Count > 0)
            return output.Fail(ExitCodes.Usage, $"Unexpected argument \"{line.Positionals[0]}\".\n{usage}");

        return line.Command switch
        {
            "run" => await Commands.RunAsync(target, output),
            "start" => await Commands.StartAsync(target, line, output),
            "stop" => await Commands.StopAsync(target, line, output),
            "status" => await Commands.StatusAsync(target, line, output),
            "health" => await Commands.HealthAsync(target, line, output),
            "ping" => await Commands.PingAsync(target, line, output),
            "send" => await Commands.SendAsync(target, line, output),
            "paths" => Commands.Paths(target, output),
            _ => output.Fail(ExitCodes.Usage, $"Unknown command \"{line.Command}\"."),
        };
    }
}
