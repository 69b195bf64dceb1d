using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Hosting;

/// <summary>
/// The Generic Host path as users take it: the sample's Program.cs (<c>Host.CreateApplicationBuilder</c>,
/// <c>AddOutfitterDaemon().AsHostedService()</c>, <c>RunDaemonAsync</c>) run as a real process with the real OS
/// adapters, configured only through configuration (appsettings.json and <c>Outfitter__Daemon__*</c> variables).
/// </summary>
public sealed class HostedDaemonProcessTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Socket => _dir.Combine("d.sock");

    private string Lock => _dir.Combine("d.lock");

    private Dictionary<string, string?> Environment(params (string Name, string? Value)[] more)
    {
        var env = new Dictionary<string, string?>
        {
            ["Outfitter__Daemon__SocketPath"] = Socket,
            ["Outfitter__Daemon__LockPath"] = Lock,
            ["DOTNET_ENVIRONMENT"] = null,
            ["NOTIFY_SOCKET"] = null,
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (name, value) in more)
            env[name] = value;
        return env;
    }

    private ChildProcess StartSample(params (string Name, string? Value)[] env) =>
        ChildProcess.StartDotnet(Environment(env), Artifacts.HostedSampleDll);

    private async Task<JsonElement> SendAsync(string payload)
    {
        await using var client = IpcClient.Create(Socket);
        var connected = await client.ConnectAsync();
        if (connected.TryGetError(out var notConnected))
            throw new Xunit.Sdk.XunitException($"Could not connect: {notConnected.Message}");
        var reply = await client.SendRawAsync(Encoding.UTF8.GetBytes(payload));
        return reply.Match(
            json => JsonDocument.Parse(json).RootElement.Clone(),
            error => throw new Xunit.Sdk.XunitException($"No reply to {payload}: {error.Message}"));
    }

    [Fact]
    public async Task With_ExitWithParent_from_configuration_the_hosted_daemon_stops_cleanly_when_its_parent_is_killed()
    {
        // A shell starts the sample and waits for it; SIGKILL to the shell orphans the sample, which must notice and stop
        // on the graceful path (its lock and socket removed).
        var env = Environment(("Outfitter__Daemon__ExitWithParent", "true"));
        using var parent = ChildProcess.Start(env, "/bin/sh", "-c", "\"$0\" \"$1\"; exit $?", ChildProcess.DotnetHost(), Artifacts.HostedSampleDll);
        var daemonPid = 0;
        try
        {
            await WaitUntilAnsweringAsync(parent);
            daemonPid = (await SendAsync("{\"type\":\"status\"}")).GetProperty("pid").GetInt32();
            Assert.NotEqual(parent.Pid, daemonPid);

            Signals.Send(parent.Pid, Signals.SIGKILL);
            await Signals.WaitUntilAsync(() => ProcessTable.IsGone(daemonPid), $"the orphaned daemon {daemonPid} has exited", TimeSpan.FromSeconds(30));
            Assert.False(File.Exists(Socket), "the socket file was left behind");
            Assert.False(File.Exists(Lock), "the lock file was left behind");
        }
        finally
        {
            if (daemonPid != 0 && !ProcessTable.IsGone(daemonPid))
                Signals.Send(daemonPid, Signals.SIGKILL);
        }
    }

    private async Task WaitUntilAnsweringAsync(ChildProcess daemon)
    {
        using var deadline = new CancellationTokenSource(ChildProcess.DefaultDeadline);
        while (true)
        {
            if (daemon.Process.HasExited)
                throw new Xunit.Sdk.XunitException($"The sample exited with {daemon.Process.ExitCode} before answering. stderr: {daemon.Stderr}");
            await using var client = IpcClient.Create(Socket);
            if ((await client.ConnectAsync(deadline.Token)).IsSuccess &&
                (await client.SendRawAsync("{\"type\":\"ping\"}"u8.ToArray(), deadline.Token)).IsSuccess)
                return;
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The sample did not answer ping within {ChildProcess.DefaultDeadline}. stderr: {daemon.Stderr}");
            }
        }
    }

    private async Task<string> ReadAllOutputAsync(ChildProcess process)
    {
        var lines = new StringBuilder();
        try
        {
            while (true)
                lines.AppendLine(await process.NextLineAsync());
        }
        catch (InvalidOperationException)
        {
            // stdout closed: the process ended.
        }

        return lines.ToString();
    }

    [Fact]
    public async Task It_starts_answers_ping_and_its_own_request_and_reports_its_configured_name()
    {
        using var daemon = StartSample();
        await WaitUntilAnsweringAsync(daemon);

        var status = await SendAsync("{\"type\":\"status\"}");
        Assert.Equal("hosted-sample", status.GetProperty("name").GetString());   // appsettings.json beside the program
        Assert.Equal(daemon.Pid, status.GetProperty("pid").GetInt32());
        Assert.Equal(Socket, status.GetProperty("socket").GetString());
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.True((await SendAsync("{\"type\":\"beats\"}")).TryGetProperty("beats", out _));

        Signals.Send(daemon.Pid, Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task An_environment_variable_overrides_appsettings()
    {
        using var daemon = StartSample(("Outfitter__Daemon__Name", "from-env"));
        await WaitUntilAnsweringAsync(daemon);

        Assert.Equal("from-env", (await SendAsync("{\"type\":\"status\"}")).GetProperty("name").GetString());

        Signals.Send(daemon.Pid, Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task A_second_instance_is_refused_before_its_other_services_start_and_exits_1()
    {
        using var first = StartSample();
        await WaitUntilAnsweringAsync(first);

        using var second = StartSample();
        var exit = await second.WaitForExitAsync();
        var output = await ReadAllOutputAsync(second);

        Assert.Equal(1, exit);
        Assert.Contains($"already running with PID {first.Pid}", output, StringComparison.Ordinal);
        Assert.Contains("no other hosted service was started", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Worker started", output, StringComparison.Ordinal);
        // The first instance is untouched: still answering, its files still there.
        Assert.Equal(first.Pid, (await SendAsync("{\"type\":\"status\"}")).GetProperty("pid").GetInt32());
        Assert.True(File.Exists(Lock) && File.Exists(Socket));

        Signals.Send(first.Pid, Signals.SIGTERM);
        Assert.Equal(0, await first.WaitForExitAsync());
    }

    [Fact]
    public async Task The_shutdown_request_ends_the_host_with_exit_code_0_and_removes_its_files()
    {
        using var daemon = StartSample();
        await WaitUntilAnsweringAsync(daemon);

        Assert.True((await SendAsync("{\"type\":\"shutdown\"}")).GetProperty("stopping").GetBoolean());

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(Socket), "the socket file is left behind");
        Assert.False(File.Exists(Lock), "the PID file is left behind");
    }

    [Theory]
    [InlineData(Signals.SIGTERM)]
    [InlineData(Signals.SIGINT)]
    public async Task A_signal_ends_the_host_with_exit_code_0_and_removes_its_files(int signal)
    {
        using var daemon = StartSample();
        await WaitUntilAnsweringAsync(daemon);

        Signals.Send(daemon.Pid, signal);

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(Socket), "the socket file is left behind");
        Assert.False(File.Exists(Lock), "the PID file is left behind");
    }

    [Fact]
    public async Task Invalid_configuration_stops_the_host_at_start_listing_every_problem()
    {
        using var daemon = StartSample(("Outfitter__Daemon__Name", "../escape"), ("Outfitter__Daemon__ShutdownTimeout", "-00:00:01"));
        var exit = await daemon.WaitForExitAsync();
        var output = await ReadAllOutputAsync(daemon) + daemon.Stderr;

        Assert.Equal(78, exit);
        Assert.Contains("Outfitter:Daemon: Name", output, StringComparison.Ordinal);
        Assert.Contains("Outfitter:Daemon: ShutdownTimeout", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Worker started", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Socket));
    }

    [Fact]
    public async Task Under_systemd_with_AddSystemd_the_host_and_the_daemon_send_READY_and_STOPPING_once_each()
    {
        // systemd's side of the notify protocol: a datagram socket, as NOTIFY_SOCKET names it.
        var notifyPath = _dir.Combine("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        var messages = new List<string>();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var n = await notify.ReceiveAsync(buffer, SocketFlags.None);
                    lock (messages)
                        messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The socket was closed: the test is over.
            }
        });

        // AddSystemd() switches the host to its systemd lifetime only when the parent process is called "systemd":
        // a copy of /bin/sh under that name starts the sample and passes its exit code on.
        var systemd = _dir.Combine("systemd");
        File.Copy("/bin/sh", systemd);
        File.SetUnixFileMode(systemd, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var env = Environment(("NOTIFY_SOCKET", notifyPath));
        using var parent = ChildProcess.Start(env, systemd, "-c", "\"$0\" \"$1\"; exit $?", ChildProcess.DotnetHost(), Artifacts.HostedSampleDll);
        var daemonPid = 0;
        try
        {
            await WaitUntilAnsweringAsync(parent);
            daemonPid = (await SendAsync("{\"type\":\"status\"}")).GetProperty("pid").GetInt32();
            Assert.NotEqual(parent.Pid, daemonPid);

            Signals.Send(daemonPid, Signals.SIGTERM);
            Assert.Equal(0, await parent.WaitForExitAsync());
        }
        finally
        {
            if (daemonPid != 0 && !parent.Process.HasExited)
                Signals.Send(daemonPid, Signals.SIGKILL);
        }

        notify.Close();
        await receiving;
        string[] sent;
        lock (messages)
            sent = [.. messages];
        var all = string.Join(" | ", sent.Select(m => m.Replace('\n', ';')));

        Assert.True(sent.Count(m => m.Split('\n').Contains("READY=1")) == 1, $"READY=1 is not sent exactly once: {all}");
        Assert.True(sent.Count(m => m.Split('\n').Contains("STOPPING=1")) == 1, $"STOPPING=1 is not sent exactly once: {all}");
        // The daemon's own part still arrives: its status lines.
        Assert.Contains(sent, m => m.StartsWith("STATUS=running", StringComparison.Ordinal));
        Assert.Contains(sent, m => m.StartsWith("STATUS=stopping", StringComparison.Ordinal));
        Assert.False(File.Exists(Socket), "the socket file is left behind");
        Assert.False(File.Exists(Lock), "the PID file is left behind");
    }
}
