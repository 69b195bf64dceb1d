using System.Buffers;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests;

/// <summary>The README's C# examples, compiled and run as written (with temp paths), so the docs cannot rot.</summary>
public sealed class ReadmeExamplesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_locking_quick_start_runs_as_documented()
    {
        var lockPath = _dir.Combine("my-service", "daemon.lock");
        var ran = false;

        var acquired = await DaemonLock.AcquireAsync(lockPath);
        if (!acquired.TryGetValue(out var handle, out var error))
        {
            Console.Error.WriteLine(error.Message);
            return;
        }

        await using (handle)
        {
            Console.WriteLine($"Lock acquired for PID {handle.Pid}");
            ran = true;
        }

        bool alive = await DaemonLock.IsDaemonAliveAsync(lockPath);
        var pid = await DaemonLock.ReadLockPidAsync(lockPath);
        bool running = DaemonLock.IsProcessAlive(Environment.ProcessId);

        Assert.True(ran);
        Assert.False(alive);
        Assert.Null(pid);
        Assert.True(running);
    }

    [Fact]
    public async Task The_ipc_examples_run_as_documented()
    {
        var socket = _dir.Combine("my-service", "daemon.sock");
        await using var server = IpcServer.Create(socket);
        server.OnRequest(new IpcRouter().MapBuiltins()
            .Map("version", request => { request.Result.Write("\"1.0\""u8); return IpcResult.Written; })
            .Map("status", request => IpcResult.Error("Unknown command"))
            .Handle);
        var listening = await server.ListenAsync();
        Assert.True(listening.IsSuccess);

        await using var client = IpcClient.Create(socket,
            new IpcClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(10) });
        var connected = await client.ConnectAsync();
        Result<JsonElement, DaemonConnectionError> reply = connected.TryGetError(out var failure)
            ? failure
            : await client.SendAsync(JsonDocument.Parse("""{"type":"version"}""").RootElement);
        var message = reply.Match(json => json.ToString(), error => error switch
        {
            DaemonConnectionError.StaleSocketError s => $"Stale socket at {s.SocketPath}, PID: {s.Pid}",
            DaemonConnectionError.ConnectionRefusedError => "Daemon not running",
            DaemonConnectionError.ConnectionTimeoutError t => $"Timeout after {t.TimeoutMs}ms",
            DaemonConnectionError.ProtocolError p => $"Protocol error: {p.Details}",
            DaemonConnectionError.ConnectionClosedError c => $"Connection closed: {c.Reason}",
            DaemonConnectionError.RemoteError r => $"Daemon said: {r.RemoteMessage}",
            DaemonConnectionError.StartFailedError f => $"Daemon failed to start: {f.Message}",
            _ => error.Message,
        });

        Assert.Equal("1.0", message);
        var status = await client.SendAsync(JsonDocument.Parse("""{"type":"status"}""").RootElement);
        Assert.Equal("Unknown command", status.Match(_ => "", e => e.Message));
    }

    [Fact]
    public async Task The_reference_shaped_on_message_handler_runs_as_documented()
    {
        var socket = _dir.Combine("ref", "daemon.sock");
        await using var server = IpcServer.Create(socket);
#pragma warning disable IL2026, IL3050 // the reflection-based overload, as the README shows it
        server.OnMessage(async (payload, ct) => payload.GetProperty("type").GetString() switch
        {
            "status" => new { status = "ok", uptime = Environment.TickCount64 / 1000 },
            _ => throw new InvalidOperationException("Unknown command"),
        });
#pragma warning restore IL2026, IL3050
        Assert.True((await server.ListenAsync()).IsSuccess);
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);

        var ok = await client.SendAsync(JsonDocument.Parse("""{"type":"status"}""").RootElement);
        var bad = await client.SendAsync(JsonDocument.Parse("""{"type":"nope"}""").RootElement);

        Assert.Equal("ok", ok.Match(j => j.GetProperty("status").GetString(), e => e.Message));
        Assert.Equal("Unknown command", bad.Match(_ => "", e => e.Message));
    }

    [Fact]
    public async Task The_protocol_sections_restart_on_upgrade_options_and_idle_host_compile_and_run_as_documented()
    {
        // "Restart on upgrade": the options as written, against a daemon of another build.
        var entry = System.Reflection.Assembly.GetEntryAssembly()!;
        var expected = new ConnectOrStartOptions
        {
            Expect = new DaemonExpectation { Version = DaemonIdentity.VersionOf(entry), Build = DaemonIdentity.BuildOf(entry) },
            OnMismatch = DaemonMismatchPolicy.Reject,
        };
        var socket = _dir.Combine("my-tool", "daemon.sock");
        await using (var host = global::Outfitter.Daemon.Hosting.DaemonHost.Create(new global::Outfitter.Daemon.Hosting.DaemonHostOptions
        {
            Name = "my-tool",
            SocketPath = socket,
            LockPath = _dir.Combine("my-tool", "daemon.lock"),
            Build = "another-build",
            IdleTimeout = TimeSpan.FromMinutes(15),   // "Idle exit, parent watch and leases", as written
            ExitWithParent = true,
            HandleSignals = false,
            ExitOnSignal = false,
        }))
        {
            Assert.True((await host.StartAsync()).IsSuccess);
            expected.SocketPath = socket;
            var connected = await DaemonClient.ConnectOrStartAsync("my-tool", new DaemonStartInfo("/bin/false", []), expected);
            var mismatch = Assert.IsType<DaemonConnectionError.DaemonMismatchError>(connected.Match(_ => null!, e => e));
            Assert.Contains("build \"another-build\"", mismatch.Reason, StringComparison.Ordinal);
            Assert.Equal("another-build", mismatch.Running.Build);
            Assert.Equal(DaemonState.Running, host.State); // Reject leaves it alone
        }
    }
}
