using System.Globalization;
using System.Text.Json;
using Outfitter.Daemon.Core.Systemd;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// Options are values: the shell copies and validates a caller's options once, when it is built, and never writes back
/// into them (not the logger, not the socket-activation descriptor).
/// </summary>
public sealed class OptionsAreValuesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeMachine _machine = new();

    private DaemonHost NewHost(DaemonHostOptions options) =>
        new(
            options,
            new DaemonPathResolver(_machine.Runtime, _machine.Process),
            new DaemonLockService(_machine.Process, _machine.Process, _machine.Process),
            _machine.Transport,
            _machine.Process,
            _machine.Signals,
            _machine.Exit,
            HealthChecker.Create(time: _machine.Time),
            _machine.Time,
            _machine.Runtime,
            _machine.Process,
            _machine.Systemd,
            _machine.Systemd,
            loggers: null);

    private IpcClient ClientFor(string socket) =>
        new(socket, new IpcClientOptions(), _machine.Transport, new DaemonLockService(_machine.Process, _machine.Process, _machine.Process));

    /// <summary>Every public property of the options tree, as text, to compare before and after.</summary>
    private static string Snapshot(DaemonHostOptions o) => string.Join(
        "|",
        o.Name, o.SocketPath, o.LockPath, o.ShutdownTimeout, o.HandleSignals, o.ExitOnSignal, o.Version,
        o.Systemd.Enabled, o.Systemd.Watchdog, o.Systemd.ListenFdName, o.Systemd.StatusInterval, o.Systemd.DegradedIsHealthy,
        o.Ipc.MaxLineBytes, o.Ipc.MaxConcurrentRequestsPerConnection, o.Ipc.MaxConnections, o.Ipc.CloseTimeout,
        o.Ipc.AllowOtherUsers, o.Ipc.CollectAfterClosedConnections);

    [Fact]
    public async Task The_host_never_writes_into_the_callers_options_even_under_socket_activation()
    {
        // Socket activation: the host adopts the descriptor systemd passed (it used to write it into options.Ipc).
        _machine.Systemd.ListenPid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _machine.Systemd.ListenFds = "1";
        var ipc = new IpcServerOptions();
        var systemd = new SystemdOptions();
        var options = new DaemonHostOptions { Name = "svc", ExitOnSignal = false, Ipc = ipc, Systemd = systemd };
        var before = Snapshot(options);
        await using var host = NewHost(options);

        Assert.True((await host.StartAsync()).IsSuccess);
        Assert.True(_machine.Systemd.ListenVariablesCleared);
        await using (var client = ClientFor(host.SocketPath))
        {
            Assert.True((await client.ConnectAsync()).IsSuccess);
            Assert.True((await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement)).IsSuccess);
        }

        Assert.True((await host.StopAsync()).IsSuccess);
        Assert.Equal(before, Snapshot(options));
        Assert.Same(ipc, options.Ipc);
        Assert.Same(systemd, options.Systemd);
    }

    [Fact]
    public async Task Changing_the_options_after_the_host_was_built_has_no_effect()
    {
        var options = new DaemonHostOptions { Name = "svc", ExitOnSignal = false, Version = "1.2.3" };
        await using var host = NewHost(options);

        options.Name = "other";
        options.Version = "9.9.9";
        options.Ipc.MaxLineBytes = 1; // invalid now, but the server copied the valid value
        options.Systemd.StatusInterval = TimeSpan.Zero;

        Assert.True((await host.StartAsync()).IsSuccess);
        await using var client = ClientFor(host.SocketPath);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var status = (await client.SendAsync(JsonDocument.Parse("""{"type":"status"}""").RootElement)).Match(s => s, e => throw new Xunit.Sdk.XunitException(e.Message));
        Assert.Equal("svc", status.GetProperty("name").GetString());
        Assert.Equal("1.2.3", status.GetProperty("version").GetString());
        Assert.Equal("svc", host.Name);
        Assert.True((await host.StopAsync()).IsSuccess);
    }

    [Fact]
    public void Invalid_host_options_are_reported_in_one_exception_listing_every_problem()
    {
        var options = new DaemonHostOptions { Name = "../escape", ShutdownTimeout = TimeSpan.Zero };
        options.Ipc.MaxLineBytes = 1;
        options.Ipc.CloseTimeout = TimeSpan.FromSeconds(-1);
        options.Systemd.StatusInterval = TimeSpan.Zero;

        var thrown = Assert.Throws<ArgumentException>(() => NewHost(options));

        Assert.StartsWith("Invalid daemon options: ", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Name:", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("ShutdownTimeout", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Ipc.MaxLineBytes", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Ipc.CloseTimeout", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Systemd.StatusInterval", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ipc_server_copies_its_options_once_and_leaves_them_as_they_were()
    {
        var options = new IpcServerOptions { MaxLineBytes = 1024, MaxConnections = 4 };
        await using var server = new IpcServer("/run/test/ipc.sock", options, _machine.Transport, _machine.Process, _machine.Runtime, _machine.Time);
        server.OnRequest(IpcBuiltins.Ping);

        options.MaxLineBytes = 1;
        options.MaxConnections = 0;
        Assert.True((await server.ListenAsync()).IsSuccess);
        await using var client = ClientFor("/run/test/ipc.sock");
        Assert.True((await client.ConnectAsync()).IsSuccess);
        Assert.True((await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement).WaitAsync(Deadline)).IsSuccess);

        Assert.Equal(1, options.MaxLineBytes);
        Assert.Equal(0, options.MaxConnections);
    }

    [Fact]
    public void Invalid_ipc_server_options_are_reported_in_one_exception_listing_every_problem()
    {
        var options = new IpcServerOptions { MaxLineBytes = 1, MaxConcurrentRequestsPerConnection = 0, MaxConnections = 0, CloseTimeout = TimeSpan.FromSeconds(-1), CollectAfterClosedConnections = -1 };

        var thrown = Assert.Throws<ArgumentException>(() => new IpcServer("/run/test/ipc.sock", options, _machine.Transport, _machine.Process, _machine.Runtime, _machine.Time));

        Assert.StartsWith("Invalid IPC server options: ", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(5, options.Validate().Count);
        Assert.All(options.Validate(), problem => Assert.Contains(problem, thrown.Message, StringComparison.Ordinal));
    }
}
