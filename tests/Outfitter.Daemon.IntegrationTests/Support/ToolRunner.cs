using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>What one run of <c>outfitter-daemon</c> did: its exit code and everything it wrote.</summary>
/// <param name="Args">The arguments it was given.</param>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Stdout">Everything it wrote on stdout.</param>
/// <param name="Stderr">Everything it wrote on stderr.</param>
/// <param name="Elapsed">From start to exit.</param>
public sealed record ToolResult(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Stdout parsed as one JSON value (for <c>--json</c>).</summary>
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Stdout);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"stdout is not one JSON value ({e.Message}).\n{this}", e);
        }
    }

    /// <summary>The whole run, for assertion messages.</summary>
    public override string ToString() =>
        $"`outfitter-daemon {string.Join(' ', Args)}` exited {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\n--- stdout:\n{Stdout}--- stderr:\n{Stderr}---";
}

/// <summary>
/// Runs the real tool and helper programs as a user would, each in a private runtime directory: every child gets
/// <c>XDG_RUNTIME_DIR</c> set to this runner's own temp dir, so sockets, locks and logs never meet another test's.
/// Every run has a deadline. Disposing kills every process that still carries this runtime dir in its environment
/// (detached daemons included, whoever started them), then deletes the directory.
/// </summary>
public sealed class ToolRunner : IAsyncDisposable
{
    /// <summary>How long one tool command may take before the test fails (its own start timeout is 30 s).</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(45);

    private readonly TempDir _runtime = new();

    /// <summary>The private runtime directory (the children's <c>XDG_RUNTIME_DIR</c>).</summary>
    public string RuntimeDir => _runtime.Path;

    /// <summary>Where the daemon <paramref name="name"/> keeps its files.</summary>
    public string DaemonDir(string name) => _runtime.Combine(name);

    /// <summary>The dotnet host that runs the tests, to run the built dlls with.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>Runs <c>outfitter-daemon args…</c> to completion, capturing its output; fails after the deadline.</summary>
    public Task<ToolResult> RunAsync(params string[] args) => RunDotnetAsync(Artifacts.ToolDll, args, DefaultDeadline);

    /// <summary>Runs <c>dotnet dll args…</c> with this runner's environment to completion; fails after <paramref name="deadline"/>.</summary>
    public async Task<ToolResult> RunDotnetAsync(string dll, IReadOnlyList<string> args, TimeSpan deadline)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["XDG_RUNTIME_DIR"] = RuntimeDir;

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {dll}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // Reading to the end also proves that no detached daemon kept our pipes open.
            await Task.WhenAll(process.WaitForExitAsync(), stdout, stderr).WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            KillTree(process);
            throw new TimeoutException(
                $"`outfitter-daemon {string.Join(' ', args)}` did not finish within {deadline.TotalSeconds:0} s (exited: {process.HasExited}).");
        }

        return new ToolResult(args, process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }

    /// <summary>Starts <c>dotnet dll args…</c> with this runner's environment as a line-oriented child process.</summary>
    public ChildProcess StartDotnet(string dll, params string[] args) =>
        // env(1) sets the variable and execs the program, so the child's PID is the program's own.
        ChildProcess.Start("env", [$"XDG_RUNTIME_DIR={RuntimeDir}", DotnetHost, dll, .. args]);

    /// <summary>Processes that carry this runner's runtime dir in their environment (children, detached daemons).</summary>
    public IReadOnlyList<int> ProcessesInThisRuntimeDir() => ProcessTable.WithEnvironment("XDG_RUNTIME_DIR", RuntimeDir);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var leftovers = ProcessesInThisRuntimeDir();
        foreach (var pid in leftovers)
            ProcessTable.TryKill(pid);
        try
        {
            await Signals.WaitUntilAsync(() => leftovers.All(ProcessTable.IsGone), $"processes {string.Join(", ", leftovers)} are gone", TimeSpan.FromSeconds(10));
        }
        finally
        {
            _runtime.Dispose();
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}

/// <summary>Looks at the live process table through <c>/proc</c> (Linux).</summary>
public static class ProcessTable
{
    /// <summary>
    /// True when <paramref name="pid"/> no longer runs: no <c>/proc/&lt;pid&gt;</c>, or only a zombie left for its parent
    /// to reap (it has exited; whether it is reaped depends on who adopted it, not on the code under test).
    /// </summary>
    public static bool IsGone(int pid)
    {
        try
        {
            var state = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status")
                .FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal));
            return state is null || state.Contains("zombie", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The arguments of <paramref name="pid"/> (empty when it is gone or unreadable).</summary>
    public static IReadOnlyList<string> Arguments(int pid) =>
        ReadNulSeparated($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");

    /// <summary>Live processes whose arguments contain <paramref name="sequence"/> as consecutive arguments.</summary>
    public static IReadOnlyList<int> WithArguments(params string[] sequence) =>
        LivePids().Where(pid => ContainsSequence(Arguments(pid), sequence)).ToList();

    /// <summary>Live processes whose environment has <paramref name="variable"/> set to exactly <paramref name="value"/>.</summary>
    public static IReadOnlyList<int> WithEnvironment(string variable, string value)
    {
        var entry = $"{variable}={value}";
        return LivePids()
            .Where(pid => pid != Environment.ProcessId)
            .Where(pid => ReadNulSeparated($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ").Contains(entry))
            .ToList();
    }

    /// <summary>Sends SIGKILL to <paramref name="pid"/> unless it has already gone.</summary>
    public static void TryKill(int pid)
    {
        try
        {
            Signals.Send(pid, Signals.SIGKILL);
        }
        catch (InvalidOperationException)
        {
            // Gone between the scan and the kill.
        }
    }

    private static IEnumerable<int> LivePids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && !IsGone(pid));

    private static bool ContainsSequence(IReadOnlyList<string> args, string[] sequence)
    {
        for (var start = 0; start + sequence.Length <= args.Count; start++)
        {
            if (sequence.Select((s, i) => args[start + i] == s).All(same => same))
                return true;
        }

        return false;
    }

    private static IReadOnlyList<string> ReadNulSeparated(string path)
    {
        try
        {
            return File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
