using LanguageExt;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.IntegrationTests.Processes;

/// <summary>The launcher adapter on the real OS: detached children, their exit codes, kills, and log tails.</summary>
public sealed class DetachedProcessLauncherTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly TempDir _dir = new();
    private readonly DetachedProcessLauncher _launcher = new();

    public void Dispose() => _dir.Dispose();

    private DaemonLaunch Shell(string script, string log = "logs/daemon.log") =>
        new("/bin/sh", Seq("-c", script), None, Seq1<(string, Option<string>)>(("OUTFITTER_TEST_GREETING", Some("hello from the daemon"))), _dir.Combine(log));

    private static ISpawnedProcess Spawned(Fin<ISpawnedProcess> spawned) => spawned.Match(p => p, e => throw new Xunit.Sdk.XunitException($"spawn failed: {e}"));

    [Fact]
    public async Task A_child_that_exits_reports_its_code_and_its_output_lands_in_the_log()
    {
        using var child = Spawned(_launcher.Spawn(Shell("echo \"$OUTFITTER_TEST_GREETING\"; echo second line; exit 5")));

        await Signals.WaitUntilAsync(() => child.Observe() is SpawnedProcessState.Exited, "the child has exited", Deadline);
        Assert.Equal(new SpawnedProcessState.Exited(Some(5)), child.Observe());
        Assert.Equal(Some("hello from the daemon\nsecond line"), _launcher.LogTail(_dir.Combine("logs/daemon.log"), 20));
        Assert.Equal(Some("second line"), _launcher.LogTail(_dir.Combine("logs/daemon.log"), 1));
    }

    [Fact]
    public async Task Kill_stops_a_running_child_and_is_harmless_once_it_has_exited()
    {
        using var child = Spawned(_launcher.Spawn(Shell("exec sleep 60")));
        Assert.IsType<SpawnedProcessState.Running>(child.Observe());
        Assert.True(child.Kill().IsSucc);

        await Signals.WaitUntilAsync(() => child.Observe() is SpawnedProcessState.Exited, "the killed child has exited", Deadline);
        Assert.True(ProcessTable.IsGone(child.Pid));
        Assert.True(child.Kill().IsSucc);
    }

    [Fact]
    public async Task A_missing_log_has_no_tail_and_a_missing_program_exits_127()
    {
        Assert.Equal(Option<string>.None, _launcher.LogTail(_dir.Combine("nothing-here.log"), 20));

        // Through /bin/sh the exec fails inside the child (exit 127); the spawn itself still succeeds.
        using var child = Spawned(_launcher.Spawn(Shell("true") with { FileName = _dir.Combine("no-such-program") }));
        await Signals.WaitUntilAsync(() => child.Observe() is SpawnedProcessState.Exited, "the child has exited", Deadline);
        Assert.Equal(new SpawnedProcessState.Exited(Some(127)), child.Observe());
        Assert.Contains("no-such-program", _launcher.LogTail(_dir.Combine("logs/daemon.log"), 20).IfNone(""), StringComparison.Ordinal);
    }

    [Fact]
    public void This_program_is_the_test_host_started_again()
    {
        var program = _launcher.ThisProgram().Match(p => p, e => throw new Xunit.Sdk.XunitException(e.Message));
        Assert.True(File.Exists(program.FileName), $"{program.FileName} does not exist");
    }
}
