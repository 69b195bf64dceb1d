using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// The daemon inside a Generic Host, in the host's order. Registered before every other hosted service:
/// <list type="bullet">
/// <item><see cref="StartingAsync"/> takes the lock, before any hosted service starts, so a second instance stops the
/// host before doing any work (<see cref="DaemonStartException"/>);</item>
/// <item><see cref="StartAsync"/> listens (then tells systemd READY), still before the other services start, so a failure
/// to listen also stops the host before any work;</item>
/// <item>the <c>shutdown</c> request, a signal (the host's) and a stop of the daemon all end in
/// <see cref="IHostApplicationLifetime.StopApplication"/>;</item>
/// <item><see cref="StoppingAsync"/> stops accepting and finishes the requests in flight, before any service stops;</item>
/// <item><see cref="StopAsync"/> runs last (hosted services stop in reverse order): the shutdown handlers, then the lock
/// is released, so a successor starts only when this instance has finished.</item>
/// </list>
/// </summary>
internal sealed partial class DaemonHostedService : IHostedLifecycleService
{
    private readonly DaemonHost _host;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly HostedRunRecord _record;
    private readonly ILogger _logger;

    public DaemonHostedService(DaemonHost host, IHostApplicationLifetime lifetime, HostedRunRecord record, ILogger logger)
    {
        _host = host;
        _lifetime = lifetime;
        _record = record;
        _logger = logger;
        host.StopRequested = lifetime.StopApplication;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var locked = await _host.LockAsync(cancellationToken).ConfigureAwait(false);
        if (locked.TryGetError(out var error))
            throw Refused(error);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var listening = await _host.ListenAsync(cancellationToken).ConfigureAwait(false);
        if (listening.TryGetError(out var error))
            throw Refused(error);
        // A stop that did not come from the host (DaemonHost.StopAsync, a failed start) still ends the host.
        _ = _host.WaitForStopAsync(CancellationToken.None).ContinueWith(_ => _lifetime.StopApplication(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => _host.Server.CloseAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_host.State is not DaemonState.Stopped)
        {
            var stopped = await _host.StopAsync(cancellationToken).ConfigureAwait(false);
            if (stopped.TryGetError(out var error))
                LogStopFailed(_host.Name, error.Message);
        }

        _record.End = _host.LastRunEnd;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private DaemonStartException Refused(DaemonError error)
    {
        var refused = new DaemonStartException(error);
        LogNotStarted(_host.Name, error.Message, refused.ExitCode);
        return refused;
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Critical, Message = "Daemon \"{Name}\" did not start: {Reason} (exit code {ExitCode}); no other hosted service was started")]
    private partial void LogNotStarted(string name, string reason, int exitCode);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Daemon \"{Name}\" stopped with an error: {Reason}")]
    private partial void LogStopFailed(string name, string reason);
}
