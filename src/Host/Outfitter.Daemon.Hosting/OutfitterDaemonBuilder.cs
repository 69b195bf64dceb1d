using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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

    /// <summary>Whether the daemon runs inside the Generic Host (<see cref="AsHostedService"/>).</summary>
    internal bool Hosted { get; private set; }

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
    /// Runs the daemon inside the Generic Host, in the host's order: the lock is taken before any other hosted service
    /// starts (a second instance throws <see cref="DaemonStartException"/> from the host's start, before any work; see
    /// <see cref="HostExtensions.RunDaemonAsync"/> for its exit code), the IPC server listens next, and the
    /// <c>shutdown</c> request, SIGTERM/SIGINT (the host's <c>ConsoleLifetime</c> or <c>SystemdLifetime</c>) and a stop
    /// of the daemon all end the host through <c>IHostApplicationLifetime.StopApplication</c>. The daemon stops last:
    /// it stops accepting when the host begins to stop, and releases the lock after every other service has stopped.
    /// The host owns signals and the process, so the daemon's own signal handling and exit are off, and its shutdown
    /// budget defaults to <c>HostOptions.ShutdownTimeout</c>. Calling it more than once registers one service.
    /// </summary>
    public OutfitterDaemonBuilder AsHostedService()
    {
        if (Hosted)
            return this;
        Hosted = true;
        Services.AddSingleton<HostedRunRecord>();
        // First in the collection, so first to start (the lock before anything else) and last to stop (the lock last).
        Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => new DaemonHostedService(
            sp.GetRequiredService<DaemonHost>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<HostedRunRecord>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(DaemonLogCategories.Lifecycle))));
        return this;
    }
}
