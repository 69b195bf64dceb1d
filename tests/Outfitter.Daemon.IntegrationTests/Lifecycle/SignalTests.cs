using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Lifecycle;

/// <summary>
/// Real daemons in child processes, stopped by real signals. Each child is started through env(1) with the stop signals'
/// dispositions set explicitly (default, or ignored as a shell's '&amp;' leaves them), so the result does not depend on
/// how this test run itself was launched.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string PidFile => _dir.Combine("run", "daemon.pid");

    private string Marker => _dir.Combine("marker");

    private string[] MarkerLines => File.Exists(Marker) ? File.ReadAllLines(Marker) : [];

    private ChildProcess StartDaemon(string dispositions, int timeoutMs = 10_000, int handlerDelayMs = 0) =>
        ChildProcess.Start("env", [dispositions, DotnetHost(), Artifacts.TestHelperDll, "daemon", PidFile, Marker, $"{timeoutMs}", $"{handlerDelayMs}"]);

    private static string DotnetHost() => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    private const string Default = "--default-signal=INT,QUIT,TERM";
    private const string InheritedIgnored = "--ignore-signal=INT,QUIT";

    [Theory]
    [InlineData(Signals.SIGTERM, Default)]
    [InlineData(Signals.SIGINT, Default)]
    [InlineData(Signals.SIGQUIT, Default)]
    [InlineData(Signals.SIGTERM, InheritedIgnored)]
    [InlineData(Signals.SIGINT, InheritedIgnored)]
    [InlineData(Signals.SIGQUIT, InheritedIgnored)]
    public async Task A_stop_signal_runs_the_handlers_removes_the_pid_file_and_exits_zero(int signal, string dispositions)
    {
        using var daemon = StartDaemon(dispositions);
        Assert.Equal($"RUNNING {daemon.Pid}", await daemon.NextLineAsync());
        Assert.StartsWith($"{daemon.Pid}\n", File.ReadAllText(PidFile), StringComparison.Ordinal);

        Signals.Send(daemon.Pid, signal);

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.Equal(["handler1", "handler2"], MarkerLines);
        Assert.False(File.Exists(PidFile), "The PID file must be gone after a graceful stop.");
    }

    [Fact]
    public async Task Handlers_that_exceed_the_shutdown_timeout_end_the_process_with_code_124_without_waiting_for_them()
    {
        using var daemon = StartDaemon(Default, timeoutMs: 300, handlerDelayMs: 600_000);
        Assert.StartsWith("RUNNING", await daemon.NextLineAsync(), StringComparison.Ordinal);

        Signals.Send(daemon.Pid, Signals.SIGTERM);

        Assert.Equal(124, await daemon.WaitForExitAsync());
        Assert.Equal(["handler1"], MarkerLines);
        Assert.False(File.Exists(PidFile));
    }

    [Fact]
    public async Task A_second_signal_during_shutdown_removes_the_pid_file_and_exits_at_once()
    {
        using var daemon = StartDaemon(Default, timeoutMs: 600_000, handlerDelayMs: 600_000);
        Assert.StartsWith("RUNNING", await daemon.NextLineAsync(), StringComparison.Ordinal);

        Signals.Send(daemon.Pid, Signals.SIGTERM);
        await Signals.WaitUntilAsync(() => MarkerLines.Contains("handler1"), "the first handler is running");
        Signals.Send(daemon.Pid, Signals.SIGINT);

        Assert.Equal(128 + Signals.SIGINT, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(PidFile));
        Assert.DoesNotContain("handler2", MarkerLines);
    }

    [Fact]
    public async Task After_kill_9_the_next_daemon_starts_without_anyone_deleting_the_pid_file()
    {
        using (var first = StartDaemon(Default))
        {
            Assert.StartsWith("RUNNING", await first.NextLineAsync(), StringComparison.Ordinal);
            await first.KillAsync();
        }

        Assert.True(File.Exists(PidFile), "SIGKILL leaves the PID file behind.");
        using var second = StartDaemon(Default);
        Assert.Equal($"RUNNING {second.Pid}", await second.NextLineAsync());
        Signals.Send(second.Pid, Signals.SIGTERM);
        Assert.Equal(0, await second.WaitForExitAsync());
    }

    [Fact]
    public async Task Two_daemons_started_at_once_with_one_pid_file_give_exactly_one_running()
    {
        using var a = StartDaemon(Default);
        using var b = StartDaemon(Default);

        var lines = await Task.WhenAll(a.NextLineAsync(), b.NextLineAsync());

        var running = lines.Where(l => l.StartsWith("RUNNING", StringComparison.Ordinal)).ToList();
        Assert.True(running.Count == 1, "Exactly one must run: " + string.Join(" | ", lines));
        var (winner, loser) = lines[0].StartsWith("RUNNING", StringComparison.Ordinal) ? (a, b) : (b, a);
        var refusal = lines.Single(l => !l.StartsWith("RUNNING", StringComparison.Ordinal));
        Assert.StartsWith("ERROR ALREADY_RUNNING", refusal, StringComparison.Ordinal);
        Assert.True(refusal.Contains($"PID {winner.Pid}", StringComparison.Ordinal) || refusal.Contains("is starting", StringComparison.Ordinal), refusal);
        Assert.Equal(3, await loser.WaitForExitAsync());

        Signals.Send(winner.Pid, Signals.SIGTERM);
        Assert.Equal(0, await winner.WaitForExitAsync());
    }
}
