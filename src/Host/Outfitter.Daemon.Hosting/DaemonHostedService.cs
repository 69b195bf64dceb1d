using Microsoft.Extensions.Hosting;

namespace Outfitter.Daemon.Hosting;

/// <summary>The thin Generic Host integration: start with the host, stop with it.</summary>
internal sealed class DaemonHostedService(DaemonHost host) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = await host.StartAsync(cancellationToken).ConfigureAwait(false);
        if (started.TryGetError(out var error))
            throw new InvalidOperationException(error.Message);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await host.StopAsync(cancellationToken).ConfigureAwait(false);
}
