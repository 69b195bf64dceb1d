using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Hosting;

/// <summary>Fluent additions after <see cref="ServiceCollectionExtensions.AddOutfitterDaemon"/>.</summary>
public sealed class OutfitterDaemonBuilder
{
    internal OutfitterDaemonBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    internal List<HealthCheck> HealthChecks { get; } = [];

    internal List<(string Type, IpcRequestHandler Handler)> Routes { get; } = [];

    internal Action<DaemonHostOptions>? Configure { get; private set; }

    /// <summary>Adds a health check (reported by <c>{"type":"health"}</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="check"/> is null.</exception>
    public OutfitterDaemonBuilder AddHealthCheck(HealthCheck check)
    {
        HealthChecks.Add(check ?? throw new ArgumentNullException(nameof(check)));
        return this;
    }

    /// <summary>Adds a health check from a predicate: unhealthy with <paramref name="failureMessage"/> when it returns false.</summary>
    public OutfitterDaemonBuilder AddHealthCheck(string name, Func<CancellationToken, Task<bool>> isHealthy, string? failureMessage = null, TimeSpan? timeout = null) =>
        AddHealthCheck(new HealthCheck(name, isHealthy, failureMessage, timeout));

    /// <summary>Adds a health check that returns its <see cref="CheckVerdict"/>.</summary>
    public OutfitterDaemonBuilder AddHealthCheck(string name, Func<CancellationToken, Task<CheckVerdict>> check, TimeSpan? timeout = null) =>
        AddHealthCheck(new HealthCheck(name, check, timeout));

    /// <summary>Routes requests whose payload <c>type</c> is <paramref name="type"/> to <paramref name="handler"/>.</summary>
    public OutfitterDaemonBuilder MapRequest(string type, IpcRequestHandler handler)
    {
        Routes.Add((type, handler));
        return this;
    }

    /// <summary>
    /// Runs the daemon inside a Generic Host: starts with the host, stops with it. The host owns signals and the process
    /// lifetime, so the daemon's own signal handling and exit are turned off.
    /// </summary>
    public OutfitterDaemonBuilder AsHostedService()
    {
        Configure += options =>
        {
            options.HandleSignals = false;
            options.ExitOnSignal = false;
        };
        Services.AddHostedService<DaemonHostedService>();
        return this;
    }
}
