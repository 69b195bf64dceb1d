using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// Dependency-injection composition: <c>services.AddOutfitterDaemon(o => …)</c> registers the daemon host, its IPC server,
/// health checker, paths, every OS adapter (including the systemd ones, the daemon launcher and the log files), a <see cref="TimeProvider"/>
/// and all of them as one <see cref="DaemonPorts"/>, each with <c>TryAdd</c>: register your own
/// implementation of a port (for example the test kit's fakes) before the call, or replace it after with
/// <c>services.Replace(…)</c>.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers an Outfitter daemon. Its <see cref="DaemonHostOptions"/> are <c>IOptions&lt;DaemonHostOptions&gt;</c>:
    /// bound from the configuration section <c>Outfitter:Daemon</c> when the app has a configuration, then changed by
    /// <paramref name="configure"/>, and validated when the host starts (<c>ValidateOnStart</c>), listing every problem.
    /// </summary>
    public static OutfitterDaemonBuilder AddOutfitterDaemon(this IServiceCollection services, Action<DaemonHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new OutfitterDaemonBuilder(services);
        var options = services.AddOptions<DaemonHostOptions>()
            .Configure<IServiceProvider>((o, sp) => DaemonHostOptionsSetup.Bind(o, sp.GetService<IConfiguration>()));
        if (configure is not null)
            options.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DaemonHostOptions>, DaemonHostOptionsSetup.Validator>());
        options.ValidateOnStart();
        services.TryAddSingleton(_ => OsPorts.Current.Time);
        services.TryAddSingleton(_ => OsPorts.Current.LockFiles);
        services.TryAddSingleton(_ => OsPorts.Current.Processes);
        services.TryAddSingleton(_ => OsPorts.Current.Directories);
        services.TryAddSingleton(_ => OsPorts.Current.ProcessSignals);
        services.TryAddSingleton(_ => OsPorts.Current.Runtime);
        services.TryAddSingleton(_ => OsPorts.Current.Transport);
        services.TryAddSingleton(_ => OsPorts.Current.Signals);
        services.TryAddSingleton(_ => OsPorts.Current.Exit);
        services.TryAddSingleton(_ => OsPorts.Current.SystemdEnvironment);
        services.TryAddSingleton(_ => OsPorts.Current.SystemdNotifySocket);
        services.TryAddSingleton(_ => OsPorts.Current.Launcher);
        services.TryAddSingleton(_ => OsPorts.Current.LogFiles);
        // The same ports as one set, for DaemonClient.ConnectOrStartAsync(ports, …) and the facade's port constructors.
        services.TryAddSingleton(sp => new DaemonPorts(
            sp.GetRequiredService<ILockFiles>(), sp.GetRequiredService<IProcessTable>(), sp.GetRequiredService<IDirectories>(),
            sp.GetRequiredService<ISignalSource>(), sp.GetRequiredService<IProcessSignals>(), sp.GetRequiredService<IProcessExit>(),
            sp.GetRequiredService<IRuntimeEnvironment>(), sp.GetRequiredService<IIpcTransport>(), sp.GetRequiredService<ISystemdEnvironment>(),
            sp.GetRequiredService<ISystemdNotifySocket>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IDaemonLauncher>(),
            sp.GetRequiredService<ILogFiles>()));
        services.TryAddSingleton(sp => new DaemonLockService(sp.GetRequiredService<ILockFiles>(), sp.GetRequiredService<IProcessTable>(), sp.GetRequiredService<IDirectories>()));
        services.TryAddSingleton(sp => new DaemonStopper(sp.GetRequiredService<ILockFiles>(), sp.GetRequiredService<IProcessTable>(), sp.GetRequiredService<IProcessSignals>()));
        services.TryAddSingleton(sp => new DaemonPathResolver(sp.GetRequiredService<IRuntimeEnvironment>(), sp.GetRequiredService<IDirectories>()));
        services.TryAddSingleton<IHealthChecker>(sp => HealthCheckBridge.CreateChecker(sp, builder.HealthChecks));
        services.TryAddSingleton(sp =>
        {
            var host = new DaemonHost(
                sp.GetRequiredService<IOptions<DaemonHostOptions>>().Value,
                sp.GetRequiredService<DaemonPathResolver>(),
                sp.GetRequiredService<DaemonLockService>(),
                sp.GetRequiredService<IIpcTransport>(),
                sp.GetRequiredService<IDirectories>(),
                sp.GetRequiredService<ISignalSource>(),
                sp.GetRequiredService<IProcessExit>(),
                sp.GetRequiredService<IHealthChecker>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IRuntimeEnvironment>(),
                sp.GetRequiredService<IProcessTable>(),
                sp.GetRequiredService<ISystemdEnvironment>(),
                sp.GetRequiredService<ISystemdNotifySocket>(),
                sp.GetService<ILoggerFactory>(),
                builder.Hosted
                    ? new HostedSettings(
                        sp.GetService<IOptions<HostOptions>>()?.Value.ShutdownTimeout,
                        HostedSettings.IsSystemdLifetime(sp.GetService<IHostLifetime>()))
                    : null);
            foreach (var (type, handler) in builder.Routes)
                host.Router.Map(type, handler);
            return host;
        });
        return builder;
    }
}
