using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Adapters.Platform;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>
/// Dependency-injection composition: <c>services.AddOutfitterDaemon(o => …)</c> registers the daemon host, its IPC server,
/// health checker, paths, every OS adapter (including the systemd ones) and a <see cref="TimeProvider"/>, each with <c>TryAdd</c>: register your own
/// implementation of a port (for example the test kit's fakes) before the call, or replace it after with
/// <c>services.Replace(…)</c>.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Registers an Outfitter daemon; configure it with <paramref name="configure"/>.</summary>
    public static OutfitterDaemonBuilder AddOutfitterDaemon(this IServiceCollection services, Action<DaemonHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new OutfitterDaemonBuilder(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => OsPorts.CreateLockFiles());
        services.TryAddSingleton(_ => OsPorts.CreateProcessTable());
        services.TryAddSingleton(_ => OsPorts.CreateDirectories());
        services.TryAddSingleton(_ => OsPorts.CreateProcessSignals());
        services.TryAddSingleton<IRuntimeEnvironment, OsRuntimeEnvironment>();
        services.TryAddSingleton<IIpcTransport, EndpointTransport>();
        services.TryAddSingleton(_ => OsPorts.Signals);
        services.TryAddSingleton(_ => OsPorts.Exit);
        services.TryAddSingleton(_ => OsPorts.SystemdEnvironment);
        services.TryAddSingleton(_ => OsPorts.SystemdNotifier);
        services.TryAddSingleton(sp => new DaemonLockService(sp.GetRequiredService<ILockFiles>(), sp.GetRequiredService<IProcessTable>(), sp.GetRequiredService<IDirectories>()));
        services.TryAddSingleton(sp => new DaemonStopper(sp.GetRequiredService<ILockFiles>(), sp.GetRequiredService<IProcessTable>(), sp.GetRequiredService<IProcessSignals>()));
        services.TryAddSingleton(sp => new DaemonPathResolver(sp.GetRequiredService<IRuntimeEnvironment>(), sp.GetRequiredService<IDirectories>()));
        services.TryAddSingleton<IHealthChecker>(sp =>
        {
            var checker = new HealthChecker(sp.GetRequiredService<TimeProvider>());
            foreach (var check in builder.HealthChecks)
                checker.Register(check).IfLeft(e => throw new InvalidOperationException($"Health check registration: {e.Message}"));
            return checker;
        });
        services.TryAddSingleton(sp =>
        {
            var options = new DaemonHostOptions();
            configure?.Invoke(options);
            builder.Configure?.Invoke(options);
            var host = new DaemonHost(
                options,
                sp.GetRequiredService<DaemonPathResolver>(),
                sp.GetRequiredService<DaemonLockService>(),
                sp.GetRequiredService<IIpcTransport>(),
                sp.GetRequiredService<IDirectories>(),
                sp.GetRequiredService<ISignalSource>(),
                sp.GetRequiredService<IProcessExit>(),
                sp.GetRequiredService<IHealthChecker>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IRuntimeEnvironment>().Observe().UserId,
                sp.GetRequiredService<ISystemdEnvironment>(),
                sp.GetRequiredService<ISystemdNotifier>(),
                sp.GetService<ILoggerFactory>());
            foreach (var (type, handler) in builder.Routes)
                host.Router.Map(type, handler);
            return host;
        });
        return builder;
    }
}

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
    public OutfitterDaemonBuilder AddHealthCheck(string name, Func<CancellationToken, Task<Either<Error, Unit>>> check, TimeSpan? timeout = null)
    {
        HealthChecks.Add(new HealthCheck(name, check, timeout));
        return this;
    }

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
