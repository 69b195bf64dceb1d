using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Hosting;

/// <summary>The thin Generic Host integration: start with the host, stop with it.</summary>
internal sealed class DaemonHostedService(DaemonHost host) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = await host.StartAsync(cancellationToken).ConfigureAwait(false);
        started.IfLeft(e => throw new InvalidOperationException(e.Message));
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await host.StopAsync(cancellationToken).ConfigureAwait(false);
}
