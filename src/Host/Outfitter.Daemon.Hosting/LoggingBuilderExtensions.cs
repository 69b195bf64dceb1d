using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Hosting;

/// <summary>The daemon's rotating log file for the Generic Host: <c>builder.Logging.AddDaemonLogFile(o => o.Path = …)</c>.</summary>
public static class LoggingBuilderExtensions
{
    /// <summary>The configuration section <see cref="DaemonFileLogOptions"/> are bound from: <c>Logging:DaemonFile</c>.</summary>
    public const string ConfigurationSection = "Logging:DaemonFile";

    /// <summary>
    /// Adds a <see cref="DaemonFileLoggerProvider"/> (once, however often this is called). Its
    /// <see cref="DaemonFileLogOptions"/> are bound from the configuration section <c>Logging:DaemonFile</c> when the app
    /// has a configuration (<c>"Path"</c>, <c>"MaxFileSizeBytes"</c>, <c>"MaxFiles"</c>, <c>"Format"</c>,
    /// <c>"MinimumLevel"</c>, <c>"IncludeScopes"</c>; the same section's <c>"LogLevel"</c> filters, as for every provider,
    /// under the alias <c>DaemonFile</c>), then changed by <paramref name="configure"/>. The files and the clock are the
    /// container's <see cref="ILogFiles"/> and <see cref="TimeProvider"/> when registered (the test kit's fakes, or
    /// <c>AddOutfitterDaemon</c>'s), else this operating system's.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// When the logger factory is created (the host is built): the options are invalid, for example no <c>Path</c>.
    /// </exception>
    public static ILoggingBuilder AddDaemonLogFile(this ILoggingBuilder builder, Action<DaemonFileLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<DaemonFileLogOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(ConfigurationSection).Bind(o));
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DaemonFileLoggerProvider>(sp => new DaemonFileLoggerProvider(
            sp.GetRequiredService<IOptions<DaemonFileLogOptions>>().Value,
            sp.GetService<ILogFiles>() ?? OsPorts.Current.LogFiles,
            sp.GetService<TimeProvider>() ?? OsPorts.Current.Time)));
        return builder;
    }
}
