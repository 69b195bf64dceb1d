using LanguageExt;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// <see cref="DaemonClient.ConnectOrStartAsync(string, DaemonStartInfo, ConnectOrStartOptions?, CancellationToken)"/>
/// called in this process as a user calls it: the real composition (<c>OsPorts.Current</c>), the real launcher, a real
/// daemon process (the tool's <c>run</c>), a real clock.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ConnectOrStartCompositionTests : ToolTestBase
{
    [Fact]
    public async Task The_first_call_starts_a_real_daemon_and_the_second_connects_to_the_same_one()
    {
        var name = NewName("cos");
        var (start, options) = Launch(name, [Artifacts.ToolDll, "run", "--name", name], ToolRunner.DotnetHost);

        var (first, started) = Connected(await DaemonClient.ConnectOrStartAsync(name, start, options));
        int pid;
        await using (first)
            pid = await PidOf(first);
        Assert.True(started, "the first call did not start the daemon");
        Assert.Equal(new[] { pid }, RunningDaemons(name));
        Assert.False(File.Exists(options.SpawnLockPath), "the election's file outlived the start");

        var (second, startedAgain) = Connected(await DaemonClient.ConnectOrStartAsync(name, start, options));
        await using (second)
            Assert.Equal(pid, await PidOf(second));
        Assert.False(startedAgain, "the second call started another daemon");
        Assert.Equal(new[] { pid }, RunningDaemons(name));

        await StopAsync(name, pid);
    }

    [Fact]
    public async Task A_program_that_cannot_run_gives_start_failed_with_its_exit_code_and_log_not_an_exception()
    {
        var name = NewName("cosmissing");
        var missing = Path.Combine(Tool.RuntimeDir, "no-such-daemon");
        var (start, options) = Launch(name, [], missing);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await DaemonClient.ConnectOrStartAsync(name, start, options);

        var error = Assert.IsType<DaemonConnectionError.StartFailedError>(result.Match(_ => null!, e => e));
        Assert.Equal(127, error.ExitCode); // the shell could not exec it
        Assert.Contains("no-such-daemon", error.LogTail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"it waited {watch.Elapsed} for a process that had exited");
        Assert.False(File.Exists(options.SpawnLockPath), "the election's file outlived the failed start");
    }

    private (DaemonStartInfo Start, ConnectOrStartOptions Options) Launch(string name, string[] arguments, string program)
    {
        var start = new DaemonStartInfo(program, arguments)
        {
            // The daemon lives in this test's runtime directory, where the test's clean-up finds it.
            Environment = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = Tool.RuntimeDir },
            LogPath = Path.Combine(Tool.DaemonDir(name), "daemon.log"),
        };
        var options = new ConnectOrStartOptions
        {
            SocketPath = SocketPath(name),
            SpawnLockPath = ConnectOrStart.SpawnLockPath(LockPath(name)),
            StartTimeout = TimeSpan.FromSeconds(60),
            Client = new IpcClientOptions { LockPath = LockPath(name) },
        };
        return (start, options);
    }

    private static (IpcClient Client, bool Started) Connected(Result<(IpcClient Client, bool Started), DaemonConnectionError> result) =>
        result.Match(c => c, e => throw new Xunit.Sdk.XunitException($"connect-or-start failed: {e}"));

    private static async Task<int> PidOf(IpcClient client)
    {
        var status = await client.SendRawAsync("{\"type\":\"status\"}"u8.ToArray());
        return status.Match(
            json =>
            {
                using var reply = System.Text.Json.JsonDocument.Parse(json);
                return reply.RootElement.GetProperty("pid").GetInt32();
            },
            e => throw new Xunit.Sdk.XunitException($"status failed: {e}"));
    }
}
