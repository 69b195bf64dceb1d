using System.Diagnostics;
using Outfitter.Daemon.Core.Locking;

namespace Outfitter.Daemon.Tool;

/// <summary>The command-line front end: parses arguments, runs one command, returns an exit code.</summary>
public static class Cli
{
    private const string Usage = """
        outfitter-daemon — daemon lifecycle, single-instance locking, IPC and health checks.

        Usage:
          outfitter-daemon run --socket PATH       Serve IPC (ping, echo) in the foreground; prints READY when accepting.
          outfitter-daemon demo [--name NAME]     Show single-instance locking: a second instance is refused.
          outfitter-daemon try-lock PATH           Try once to take the lock at PATH; report and release.
          outfitter-daemon paths [--name NAME]     Print where NAME's socket, lock and PID files live.
          outfitter-daemon --help                  This text.

        Exit codes: 0 ok, 1 lock held by a live daemon, 2 bad command line, 3 system error.
        """;

    /// <summary>Runs the command in <paramref name="args"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        switch (args)
        {
            case [] or ["--help" or "-h" or "help", ..]:
                await stdout.WriteLineAsync(Usage);
                return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
            case ["demo", .. var rest]:
                return await WithName(rest, stderr, name => Demo.RunAsync(name, stdout, stderr));
            case ["run", "--socket", var socket]:
                return await RunCommand.RunAsync(socket, stdout, stderr);
            case ["try-lock", var path]:
                return await TryLockAsync(path, stdout, stderr);
            case ["paths", .. var rest]:
                return await WithName(rest, stderr, name => PathsAsync(name, stdout, stderr));
            default:
                await stderr.WriteLineAsync($"Unknown command line: {string.Join(' ', args)}. Run 'outfitter-daemon --help'.");
                return ExitCodes.Usage;
        }
    }

    private static async Task<int> WithName(string[] rest, TextWriter stderr, Func<string, Task<int>> command)
    {
        switch (rest)
        {
            case []:
                return await command(Demo.DefaultName);
            case ["--name", var name]:
                return await command(name);
            default:
                await stderr.WriteLineAsync($"Unexpected arguments: {string.Join(' ', rest)}. Expected [--name NAME].");
                return ExitCodes.Usage;
        }
    }

    private static async Task<int> TryLockAsync(string path, TextWriter stdout, TextWriter stderr)
    {
        var result = await DaemonLock.AcquireAsync(path);
        return await result.MatchAsync(
            RightAsync: async handle =>
            {
                await stdout.WriteLineAsync($"acquired {handle.LockPath} as PID {handle.Pid}");
                await DaemonLock.ReleaseAsync(handle);
                return ExitCodes.Ok;
            },
            Left: error =>
            {
                stderr.WriteLine(error.Message);
                return error.Code == LockErrorCode.AlreadyLocked ? ExitCodes.AlreadyLocked : ExitCodes.Failure;
            });
    }

    private static async Task<int> PathsAsync(string name, TextWriter stdout, TextWriter stderr) =>
        await DaemonPaths.Resolve(name).MatchAsync(
            RightAsync: async paths =>
            {
                await stdout.WriteLineAsync($"runtime dir  {paths.RuntimeDir} ({paths.Source})");
                await stdout.WriteLineAsync($"daemon dir   {paths.DaemonDir}");
                await stdout.WriteLineAsync($"socket       {paths.SocketPath}");
                await stdout.WriteLineAsync($"lock         {paths.LockPath}");
                await stdout.WriteLineAsync($"pid          {paths.PidPath}");
                return ExitCodes.Ok;
            },
            Left: error =>
            {
                stderr.WriteLine(error.Message);
                return ExitCodes.Usage;
            });

    /// <summary>How to start this same program again as a child process (apphost, or dotnet plus the dll).</summary>
    internal static ProcessStartInfo SelfStartInfo(params string[] args)
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell where this program lives.");
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            info.ArgumentList.Add(typeof(Cli).Assembly.Location);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        return info;
    }
}
