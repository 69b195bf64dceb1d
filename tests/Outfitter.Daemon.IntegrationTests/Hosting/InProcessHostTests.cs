using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Hosting;

/// <summary>
/// A real Generic Host with the real OS adapters, in this process: a stop of the daemon itself (not the host) still
/// ends the host through StopApplication, and its files are gone afterwards.
/// </summary>
public sealed class InProcessHostTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stopping_the_daemon_directly_ends_the_host()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddOutfitterDaemon(o =>
        {
            o.Name = "in-process";
            o.SocketPath = _dir.Combine("d.sock");
            o.LockPath = _dir.Combine("d.lock");
        }).AsHostedService();
        using var host = builder.Build();
        await host.StartAsync();
        var daemon = host.Services.GetRequiredService<DaemonHost>();
        Assert.Equal(DaemonState.Running, daemon.State);
        Assert.True(File.Exists(daemon.LockPath) && File.Exists(daemon.SocketPath));

        Assert.True((await daemon.StopAsync()).IsSuccess);

        using var deadline = new CancellationTokenSource(ChildProcess.DefaultDeadline);
        await host.WaitForShutdownAsync(deadline.Token);
        Assert.True(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.IsCancellationRequested);
        Assert.False(File.Exists(daemon.LockPath));
        Assert.False(File.Exists(daemon.SocketPath));
    }

    [Fact]
    public async Task An_idle_timeout_from_configuration_stops_the_host_by_itself_with_exit_code_0()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outfitter:Daemon:Name"] = "in-process-idle",
            ["Outfitter:Daemon:SocketPath"] = _dir.Combine("i.sock"),
            ["Outfitter:Daemon:LockPath"] = _dir.Combine("i.lock"),
            ["Outfitter:Daemon:IdleTimeout"] = "00:00:01",
        });
        builder.Services.AddOutfitterDaemon().AsHostedService();
        using var host = builder.Build();
        var daemon = host.Services.GetRequiredService<DaemonHost>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        // Nothing connects: the daemon stops itself once idle, and with it the whole host, on the graceful path.
        var exitCode = await host.RunDaemonAsync().WaitAsync(ChildProcess.DefaultDeadline);

        Assert.Equal(0, exitCode);
        Assert.True(lifetime.ApplicationStopped.IsCancellationRequested); // RunDaemonAsync has disposed the host
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.False(File.Exists(daemon.LockPath));
        Assert.False(File.Exists(daemon.SocketPath));
    }
}
