using System.Buffers;
using System.Text.Json;
using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The dependency-injection composition, with every OS adapter replaced by the test kit's fakes through the container:
/// the whole daemon (lock, IPC, health, built-in requests) runs in memory.
/// </summary>
public sealed class CompositionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeMachine _machine = new();

    private ServiceCollection FakeServices()
    {
        var services = new ServiceCollection();
        _machine.AddTo(services);
        return services;
    }

    private IpcClient ClientFor(DaemonHost host, IServiceProvider provider) =>
        new(host.SocketPath, new IpcClientOptions(), _machine.Transport, provider.GetRequiredService<DaemonLockService>());

    private static async Task<JsonElement> Ask(IpcClient client, string json) =>
        (await client.SendAsync(JsonDocument.Parse(json).RootElement)).Match(r => r, e => throw new Xunit.Sdk.XunitException(e.Message));

    [Fact]
    public async Task The_whole_daemon_runs_over_fakes_swapped_in_through_the_container()
    {
        var services = FakeServices();
        services.AddOutfitterDaemon(o => o.Name = "svc")
            .AddHealthCheck("database", _ => Task.FromResult(CheckVerdict.Healthy))
            .AddHealthCheck("cache", _ => Task.FromResult(CheckVerdict.Unhealthy("Connection refused")))
            .MapRequest("hello", request => { request.Result.Write("\"world\""u8); return IpcResult.Written; });
        await using var provider = services.BuildServiceProvider();
        var host = provider.GetRequiredService<DaemonHost>();

        Assert.True((await host.StartAsync()).IsSuccess);

        Assert.Equal("/run/test/svc/daemon.sock", host.SocketPath);
        Assert.Equal(LockFileContent.Format(_machine.Process.Current), _machine.Os.ReadFile("/run/test/svc/daemon.lock"));
        Assert.True(_machine.Transport.Exists(host.SocketPath));
        await using var client = ClientFor(host, provider);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        Assert.True((await Ask(client, """{"type":"ping"}""")).GetProperty("pong").GetBoolean());
        Assert.Equal("world", (await Ask(client, """{"type":"hello"}""")).GetString());
        var status = await Ask(client, """{"type":"status"}""");
        Assert.Equal("svc", status.GetProperty("name").GetString());
        Assert.Equal(Environment.ProcessId, status.GetProperty("pid").GetInt32());
        Assert.Equal("running", status.GetProperty("state").GetString());
        var health = await Ask(client, """{"type":"health"}""");
        Assert.False(health.GetProperty("healthy").GetBoolean());
        Assert.Equal("Connection refused", health.GetProperty("checks").GetProperty("cache").GetProperty("message").GetString());

        // A shutdown request answers, then stops the daemon: IPC closed first, lock released.
        Assert.True((await Ask(client, """{"type":"shutdown"}""")).GetProperty("stopping").GetBoolean());
        Assert.True((await host.WaitForStopAsync().WaitAsync(Deadline)).IsSuccess);
        Assert.Equal(DaemonState.Stopped, host.State);
        Assert.True(_machine.Os.ReadFile("/run/test/svc/daemon.lock") is null);
        Assert.False(_machine.Transport.Exists(host.SocketPath));
    }

    [Fact]
    public async Task The_container_hands_out_the_launcher_and_the_whole_port_set_for_connect_or_start()
    {
        var services = FakeServices();
        services.AddOutfitterDaemon(o => o.Name = "svc");
        await using var provider = services.BuildServiceProvider();

        var ports = provider.GetRequiredService<DaemonPorts>();
        Assert.Same(_machine.Launcher, provider.GetRequiredService<IDaemonLauncher>());
        Assert.Same(_machine.Launcher, ports.Launcher);
        Assert.Same(_machine.Transport, ports.Transport);
        Assert.Same(_machine.Process, ports.LockFiles);
        Assert.Same(_machine.Time, ports.Time);
        Assert.Same(_machine.Process, ports.LogFiles);
        Assert.Same(_machine.Process, provider.GetRequiredService<ILogFiles>());

        // A client app's connect-or-start through the container's ports: the daemon already listens, nothing is spawned.
        Assert.True(_machine.Transport.AsTransport().Listen("/run/test/svc/daemon.sock", 16).IsSucc);
        var connected = await DaemonClient.ConnectOrStartAsync(ports, "svc", new DaemonStartInfo("/usr/bin/svc", ["run"])).WaitAsync(Deadline);
        Assert.True(connected.TryGetValue(out var daemon), connected.IsSuccess ? "" : connected.Error.Message);
        Assert.False(daemon.Started);
        await daemon.Client.DisposeAsync();
        Assert.Empty(_machine.Launcher.Spawns);
    }

    [Fact]
    public async Task Without_fakes_the_container_hands_out_the_operating_systems_launcher()
    {
        var services = new ServiceCollection();
        services.AddOutfitterDaemon(o => o.Name = "svc-" + Guid.NewGuid().ToString("N")[..8]);
        await using var provider = services.BuildServiceProvider();

        var launcher = provider.GetRequiredService<IDaemonLauncher>();
        Assert.Equal("Outfitter.Daemon.Adapters", launcher.GetType().Assembly.GetName().Name);
        Assert.Same(launcher, provider.GetRequiredService<DaemonPorts>().Launcher);
    }

    [Fact]
    public async Task A_second_daemon_with_the_same_name_is_refused_naming_the_first()
    {
        var other = _machine.Os.Start(4242);
        Assert.True(new DaemonLockService(other, other, other).Acquire("/run/test/svc/daemon.lock").IsSuccess);
        var services = FakeServices();
        services.AddOutfitterDaemon(o => o.Name = "svc");
        await using var provider = services.BuildServiceProvider();

        var started = await provider.GetRequiredService<DaemonHost>().StartAsync();

        var error = started.Match(_ => throw new Xunit.Sdk.XunitException("expected a refusal"), e => e);
        Assert.Equal(DaemonErrorCode.AlreadyRunning, error.Code);
        Assert.Contains("PID 4242", error.Message, StringComparison.Ordinal);
        Assert.False(_machine.Transport.Exists("/run/test/svc/daemon.sock"));
    }

    [Fact]
    public async Task A_signal_stops_the_composed_daemon_and_exits_with_code_zero()
    {
        var services = FakeServices();
        services.AddOutfitterDaemon(o => o.Name = "svc");
        await using var provider = services.BuildServiceProvider();
        var host = provider.GetRequiredService<DaemonHost>();
        Assert.True((await host.StartAsync()).IsSuccess);

        _machine.Signals.Raise(StopSignal.Terminate);

        Assert.Equal(0, await _machine.Exit.Exited.WaitAsync(Deadline));
        Assert.False(_machine.Transport.Exists(host.SocketPath));
        Assert.True(_machine.Os.ReadFile("/run/test/svc/daemon.lock") is null);
    }

    [Fact]
    public void Invalid_options_are_reported_at_start_up_with_what_to_fix()
    {
        var services = FakeServices();
        services.AddOutfitterDaemon(o =>
        {
            o.Name = "../escape";
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        var thrown = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<DaemonHost>());

        Assert.Equal(typeof(DaemonHostOptions), thrown.OptionsType);
        Assert.Equal(2, thrown.Failures.Count());
        Assert.Contains(thrown.Failures, f => f.StartsWith("Outfitter:Daemon: Name", StringComparison.Ordinal) && f.Contains("path separator", StringComparison.Ordinal));
        Assert.Contains(thrown.Failures, f => f.StartsWith("Outfitter:Daemon: ShutdownTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_are_bound_from_the_Outfitter_Daemon_section_and_the_delegate_runs_after_it()
    {
        var services = FakeServices();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outfitter:Daemon:Name"] = "from-config",
            ["Outfitter:Daemon:SocketPath"] = "/run/test/configured.sock",
            ["Outfitter:Daemon:ShutdownTimeout"] = "00:00:07",
            ["Outfitter:Daemon:HandleSignals"] = "false",
            ["Outfitter:Daemon:Ipc:MaxConnections"] = "12",
            ["Outfitter:Daemon:Ipc:MaxLineBytes"] = "4096",
            ["Outfitter:Daemon:Systemd:Watchdog"] = "Always",
            ["Outfitter:Daemon:Systemd:StatusInterval"] = "00:00:03",
            ["Outfitter:Daemon:Version"] = "9.9.9",
        }).Build());
        services.AddOutfitterDaemon(o => o.Version = "from-code");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DaemonHostOptions>>().Value;
        var host = provider.GetRequiredService<DaemonHost>();

        Assert.Equal("from-config", options.Name);
        Assert.Equal(TimeSpan.FromSeconds(7), options.ShutdownTimeout);
        Assert.False(options.HandleSignals);
        Assert.Equal(12, options.Ipc.MaxConnections);
        Assert.Equal(4096, options.Ipc.MaxLineBytes);
        Assert.Equal(WatchdogMode.Always, options.Systemd.Watchdog);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Systemd.StatusInterval);
        Assert.Equal("from-code", options.Version);
        Assert.Equal("from-config", host.Name);
        Assert.Equal("/run/test/configured.sock", host.SocketPath);
        Assert.Equal(TimeSpan.FromSeconds(7), host.ShutdownTimeout);
    }

    [Fact]
    public void Without_a_configuration_the_defaults_and_the_delegate_apply()
    {
        var services = FakeServices();
        services.AddOutfitterDaemon(o => o.Name = "svc");
        using var provider = services.BuildServiceProvider();

        var host = provider.GetRequiredService<DaemonHost>();

        Assert.Equal("svc", host.Name);
        Assert.Equal(OptionRules.DefaultShutdownTimeout, host.ShutdownTimeout);
    }

    [Theory]
    [InlineData(null, 30, 30)]
    [InlineData(10, 30, 10)]
    [InlineData(60, 30, 30)]
    [InlineData(null, null, 30)] // HostOptions.ShutdownTimeout defaults to 30 s
    [InlineData(8, null, 8)]
    public void A_hosted_daemon_s_budget_is_the_host_s_shutdown_timeout_unless_the_options_give_a_smaller_one(int? daemonSeconds, int? hostSeconds, int expectedSeconds)
    {
        var services = FakeServices();
        if (hostSeconds is { } h)
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(h));
        services.AddSingleton<IHostApplicationLifetime, FakeLifetime>();
        services.AddOutfitterDaemon(o =>
        {
            o.Name = "svc";
            if (daemonSeconds is { } d)
                o.ShutdownTimeout = TimeSpan.FromSeconds(d);
        }).AsHostedService();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), provider.GetRequiredService<DaemonHost>().ShutdownTimeout);
    }

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    [Fact]
    public async Task As_a_hosted_service_the_daemon_starts_and_stops_with_the_generic_host()
    {
        var builder = new HostBuilder().ConfigureServices(services =>
        {
            foreach (var descriptor in FakeServices())
                services.Add(descriptor);
            services.AddOutfitterDaemon(o => o.Name = "svc").AsHostedService();
        });
        using var app = builder.Build();

        await app.StartAsync();
        var host = app.Services.GetRequiredService<DaemonHost>();
        Assert.Equal(DaemonState.Running, host.State);
        Assert.Equal(0, _machine.Signals.SubscriberCount); // the Generic Host owns signals

        await app.StopAsync();
        Assert.Equal(DaemonState.Stopped, host.State);
        Assert.True(_machine.Os.ReadFile("/run/test/svc/daemon.lock") is null);
        Assert.Empty(_machine.Exit.Codes);
    }
}
