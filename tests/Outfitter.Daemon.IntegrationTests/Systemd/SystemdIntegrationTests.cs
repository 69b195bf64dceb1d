using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Systemd;

/// <summary>
/// The systemd protocol against real processes, with no systemd: the test plays systemd's part (a datagram socket in
/// NOTIFY_SOCKET, WATCHDOG_USEC, a launcher that passes a bound socket as fd 3) and watches what the daemon sends.
/// </summary>
public sealed class SystemdIntegrationTests : IAsyncLifetime
{
    private static readonly TimeSpan WatchdogInterval = TimeSpan.FromMilliseconds(600); // pings every 300 ms
    private readonly TempDir _runtime = new();
    private readonly string _notifyName = "od-notify-" + Guid.NewGuid().ToString("N")[..12];
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Channel<(string Message, DateTime At)> _messages = Channel.CreateUnbounded<(string, DateTime)>();
    private readonly List<ChildProcess> _children = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;

    private string Flag => _runtime.Combine("healthy.flag");

    public Task InitializeAsync()
    {
        // The abstract namespace (NOTIFY_SOCKET=@name), as systemd itself uses: no file to clean up.
        _notify.Bind(new UnixDomainSocketEndPoint("\0" + _notifyName));
        _receiving = Task.Run(ReceiveAsync);
        File.WriteAllText(Flag, "ok");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _children.ForEach(c => c.Dispose());
        _stop.Cancel();
        _notify.Dispose();
        await _receiving.ContinueWith(_ => { });
        _runtime.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var n = await _notify.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                _messages.Writer.TryWrite((Encoding.UTF8.GetString(buffer, 0, n), DateTime.UtcNow));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    private ChildProcess StartDaemon(string name, params string[] extraEnvironment)
    {
        var child = ChildProcess.Start("env",
        [
            $"XDG_RUNTIME_DIR={_runtime.Path}", $"NOTIFY_SOCKET=@{_notifyName}", .. extraEnvironment,
            ToolRunner.DotnetHost, Artifacts.TestHelperDll, "host-daemon", name, Flag,
        ]);
        _children.Add(child);
        return child;
    }

    /// <summary>The next notification that satisfies <paramref name="match"/>; the ones skipped are returned too, in order.</summary>
    private async Task<(string Message, DateTime At, List<string> Before)> NextAsync(Func<string, bool> match, string what, TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? ChildProcess.DefaultDeadline);
        var before = new List<string>();
        try
        {
            while (true)
            {
                var (message, at) = await _messages.Reader.ReadAsync(cts.Token);
                if (match(message))
                    return (message, at, before);
                before.Add(message);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No notification {what}; got: {string.Join(" | ", before).ReplaceLineEndings(" ")}");
        }
    }

    [Fact]
    public async Task Ready_comes_when_the_ipc_socket_accepts_and_sigterm_sends_stopping_then_the_process_exits()
    {
        using var daemon = StartDaemon("svc");

        var (ready, _, _) = await NextAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), "READY=1");
        Assert.Contains($"MAINPID={daemon.Pid}", ready, StringComparison.Ordinal);

        // At the moment READY arrives the socket must already accept and answer.
        await using (var client = IpcClient.Create(_runtime.Combine("svc", "daemon.sock")))
        {
            Assert.True((await client.ConnectAsync()).IsSuccess, "READY was sent before the IPC socket accepted connections.");
            Assert.True((await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement)).IsSuccess);
        }

        Signals.Send(daemon.Pid, Signals.SIGTERM);
        var (stopping, _, _) = await NextAsync(m => m.StartsWith("STOPPING=1", StringComparison.Ordinal), "STOPPING=1 after SIGTERM");
        Assert.Contains("STATUS=stopping", stopping, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task The_watchdog_stops_within_one_interval_after_a_check_fails_and_resumes_when_it_recovers()
    {
        // Ordering, not speed: the wall clock of a loaded machine proves nothing about intervals (how soon a failed check
        // stops the keep-alives, in ticks of the clock, is SystemdTests' business, on a fake clock). Here: after the
        // status naming the failed check, no keep-alive comes while the daemon keeps checking and failing, and they
        // resume after the check passes again.
        using var daemon = StartDaemon("dog", $"WATCHDOG_USEC={(long)WatchdogInterval.TotalMicroseconds}");
        await NextAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), "READY=1");
        await NextAsync(m => m == "WATCHDOG=1", "a first keep-alive");
        await NextAsync(m => m == "WATCHDOG=1", "a second keep-alive");

        // Keep-alives may still come from checks that ran before the flag was gone; the first check after it fails.
        File.Delete(Flag);
        var (status, _, _) = await NextAsync(m => m.Contains("unhealthy", StringComparison.Ordinal), "a status naming the failed check");
        Assert.Contains("flag: the flag file is missing", status, StringComparison.Ordinal);

        // Two more whole checks, both failing, while nothing may feed the watchdog. The check that reported the failure
        // is counted already; checks run one after another, so once three more have begun, two of them have finished
        // (keep-alive decision included) with the flag still missing.
        var failedChecks = ChecksBegun();
        await Signals.WaitUntilAsync(() => ChecksBegun() >= failedChecks + 3, "three more health checks while unhealthy", ChildProcess.DefaultDeadline);

        File.WriteAllText(Flag, "ok");
        var (_, _, whileUnhealthy) = await NextAsync(m => m.StartsWith("STATUS=running; healthy", StringComparison.Ordinal), "a status saying the check passes again");
        Assert.DoesNotContain("WATCHDOG=1", whileUnhealthy);
        await NextAsync(m => m == "WATCHDOG=1", "keep-alives resume after recovery");
        Signals.Send(daemon.Pid, Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    /// <summary>How many runs of the daemon's health check have begun (the helper appends a byte to a file for each).</summary>
    private long ChecksBegun() => new FileInfo(Flag + ".checks") is { Exists: true } checks ? checks.Length : 0;

    [Fact]
    public async Task Under_socket_activation_a_client_that_connects_before_the_daemon_started_is_answered()
    {
        var socket = _runtime.Combine("act", "daemon.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);

        // systemd's part: bind and listen, then exec the daemon with the socket as fd 3 (exec keeps the PID for LISTEN_PID).
        const string launcher = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1]); s.listen(16)
            if s.fileno() != 3:
                os.dup2(s.fileno(), 3)
            os.set_inheritable(3, True)
            print("BOUND", flush=True)
            env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="act")
            os.execve(sys.argv[2], sys.argv[2:], env)
            """;
        using var daemon = ChildProcess.Start("env",
        [
            $"XDG_RUNTIME_DIR={_runtime.Path}", $"NOTIFY_SOCKET=@{_notifyName}",
            "/usr/bin/python3", "-c", launcher, socket, ToolRunner.DotnetHost, Artifacts.TestHelperDll, "host-daemon", "act", Flag,
        ]);
        _children.Add(daemon);
        Assert.Equal("BOUND", await daemon.NextLineAsync());

        // Connect and ask at once, while the .NET daemon is still starting: the kernel queues us on systemd's socket.
        await using var client = IpcClient.Create(socket, new IpcClientOptions { RequestTimeout = ChildProcess.DefaultDeadline });
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var reply = await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement);

        Assert.True(reply.IsSuccess, reply.Match(_ => "", e => e.Message));
        Assert.Equal($"READY {socket}", await daemon.NextLineAsync());
        var (ready, _, _) = await NextAsync(m => m.StartsWith("READY=1", StringComparison.Ordinal), "READY=1");
        Assert.Contains($"MAINPID={daemon.Pid}", ready, StringComparison.Ordinal);

        Signals.Send(daemon.Pid, Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.True(File.Exists(socket), "The socket file belongs to systemd: the daemon must not delete it.");
    }
}
