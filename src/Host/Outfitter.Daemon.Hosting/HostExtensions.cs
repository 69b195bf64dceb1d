using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Hosting;

/// <summary>Running a Generic Host whose daemon decides the process's exit code.</summary>
public static class HostExtensions
{
    /// <summary>The exit code when another instance of the daemon holds the lock (as <c>outfitter-daemon run</c>).</summary>
    public const int AlreadyRunningExitCode = 1;

    /// <summary>The exit code when the daemon could not start for another reason (its endpoint could not be opened).</summary>
    public const int StartFailedExitCode = 3;

    /// <summary>The exit code when the daemon's options are invalid (<c>EX_CONFIG</c>); every problem has been logged.</summary>
    public const int InvalidOptionsExitCode = 78;

    /// <summary>
    /// <c>host.RunAsync()</c>, returning the documented exit code instead of throwing when the daemon cannot start:
    /// 0 after a graceful stop (the <c>shutdown</c> request, SIGTERM, SIGINT, <c>StopApplication</c>); 124 when the
    /// shutdown handlers exceeded the budget; 1 when another instance is running or the PID file could not be removed;
    /// 3 when the daemon could not listen; 78 when its options are invalid. Use it as <c>return await host.RunDaemonAsync();</c>. The reason was already
    /// logged (category <c>Outfitter.Daemon.Lifecycle</c>). Any other failure of the host propagates as from <c>RunAsync</c>.
    /// </summary>
    public static async Task<int> RunDaemonAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var record = host.Services.GetService<HostedRunRecord>()
            ?? throw new InvalidOperationException("RunDaemonAsync needs a hosted daemon: services.AddOutfitterDaemon(…).AsHostedService().");
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonStartException refused)
        {
            return refused.ExitCode;
        }
        catch (OptionsValidationException invalid) when (invalid.OptionsType == typeof(DaemonHostOptions))
        {
            // The host has logged "Hosting failed to start" with every failure; the message lists them too.
            return InvalidOptionsExitCode;
        }

        return record.End switch
        {
            RunEnd.Forced forced => SignalPolicy.ForcedExitCode(forced.Signal),
            RunEnd.Stopped stopped => SignalPolicy.ExitCodeAfterStop(stopped.Error),
            _ => SignalPolicy.CleanExitCode,   // the host stopped before the daemon ever ran
        };
    }
}
