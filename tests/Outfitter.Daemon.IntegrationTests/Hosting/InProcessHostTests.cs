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
}
