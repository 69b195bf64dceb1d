using System.Buffers;
using System.Text.Json;
using LanguageExt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// One daemon, composed: the lifecycle (kernel-locked PID file, signals, graceful shutdown), an IPC server with the
/// built-in handlers (<c>ping</c>, <c>echo</c>, <c>status</c>, <c>health</c>, <c>shutdown</c>) plus yours, and a health
/// checker. <see cref="StartAsync"/> locks, then listens; stopping closes the IPC server first, then runs your shutdown
/// handlers, then releases the lock. Build one with <see cref="Create"/> or through dependency injection
/// (<c>services.AddOutfitterDaemon(…)</c>). Thread-safe.
/// </summary>
public sealed partial class DaemonHost : IAsyncDisposable, IDisposable
{
    private readonly ILogger _lifecycleLog;
    private readonly string _name;
    private readonly string _version;
    private readonly int _pid;
    private readonly TimeProvider _time;
    private readonly DaemonRuntime _daemon;
    private readonly SystemdIntegration _systemd;
    private readonly IDisposable? _exitOnSignal;
    private readonly IdleMonitor _idle;
    private long _startedAt;

    /// <summary>
    /// Composes a daemon over the given ports (the seam for dependency injection and tests). The options (with their
    /// <see cref="DaemonHostOptions.Ipc"/> and <see cref="DaemonHostOptions.Systemd"/>) are validated once, listing every
    /// problem, and copied: later changes to them have no effect, and the host never writes to them.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, or their paths cannot be resolved; the message says what to fix.</exception>
    public DaemonHost(
        DaemonHostOptions options,
        DaemonPathResolver paths,
        DaemonLockService locks,
        IIpcTransport transport,
        IDirectories directories,
        ISignalSource signals,
        IProcessExit exit,
        IHealthChecker health,
        TimeProvider time,
        IRuntimeEnvironment runtime,
        IProcessTable processes,
        ISystemdEnvironment systemdEnvironment,
        ISystemdNotifySocket systemdNotifier,
        ILoggerFactory? loggers = null)
        : this(options, paths, locks, transport, directories, signals, exit, health, time, runtime, processes, systemdEnvironment, systemdNotifier, loggers, hosting: null)
    {
    }

    /// <summary>The composition with the Generic Host's settings when the daemon runs as a hosted service.</summary>
    internal DaemonHost(
        DaemonHostOptions options,
        DaemonPathResolver paths,
        DaemonLockService locks,
        IIpcTransport transport,
        IDirectories directories,
        ISignalSource signals,
        IProcessExit exit,
        IHealthChecker health,
        TimeProvider time,
        IRuntimeEnvironment runtime,
        IProcessTable processes,
        ISystemdEnvironment systemdEnvironment,
        ISystemdNotifySocket systemdNotifier,
        ILoggerFactory? loggers,
        HostedSettings? hosting)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(exit);
        ArgumentNullException.ThrowIfNull(processes);
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(OptionRules.Describe("daemon", toSeq(problems)), nameof(options));
        _name = options.Name;
        _version = options.Version;
        _pid = processes.Current.Pid;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Health = health ?? throw new ArgumentNullException(nameof(health));
        // One category per component (DaemonLogCategories), so each can be filtered on its own.
        loggers ??= NullLoggerFactory.Instance;

        var resolved = paths.Resolve(options.Name).Match(p => p, e => throw new ArgumentException(e.Message, nameof(options)));
        SocketPath = options.SocketPath ?? resolved.SocketPath;
        LockPath = options.LockPath ?? resolved.LockPath;
        Paths = resolved;

        _lifecycleLog = loggers.CreateLogger(DaemonLogCategories.Lifecycle);
        Server = new IpcServer(SocketPath, options.Ipc, transport, directories, runtime, time, loggers.CreateLogger(DaemonLogCategories.Ipc));
        _idle = new IdleMonitor(options, Server, processes, time, _lifecycleLog, StopFromInside, _pid);
        Router = new IpcRouter()
            .MapBuiltins()
            .MapHealth(health)
            .Map("status", WriteStatus)
            .Map("shutdown", RequestShutdown)
            .Map(ProtocolExtensions.LeaseType, _idle.Lease);
        Server.OnRequest(Router.Handle);
        Server.Identity = new DaemonIdentity(options.Name, options.Version, options.Build)
        {
            Pid = _pid,
            OptionsHash = options.OptionsHash,
            ExtraCapabilities = [ProtocolExtensions.IdleCapability],
        };

        // A hosted daemon leaves signals and the process to the Generic Host, and its budget is the host's.
        var shutdownTimeout = hosting is { } h
            ? HostedSettings.Budget(options.ShutdownTimeout, h.HostShutdownTimeout)
            : options.ShutdownTimeout ?? OptionRules.DefaultShutdownTimeout;
        ShutdownTimeout = shutdownTimeout;
        _daemon = new DaemonRuntime(
            new DaemonOptions
            {
                Name = options.Name,
                PidFile = LockPath,
                ShutdownTimeout = shutdownTimeout,
                LoggerFactory = loggers,
                HandleSignals = hosting is null && options.HandleSignals,
            },
            locks,
            signals,
            processes,
            time);
        _daemon.RunEnded += end => LastRunEnd = end;

        // Exiting the process is the composition's last step, after the daemon's stop sequence.
        if (hosting is null && options.ExitOnSignal)
            _exitOnSignal = DaemonExit.ExitOnSignal(_daemon, exit);

        _systemd = new SystemdIntegration(SystemdSettings.From(options.Systemd, hosting?.HostNotifiesSystemd ?? false), systemdEnvironment, systemdNotifier, health, time, _pid, loggers.CreateLogger(DaemonLogCategories.Systemd));

        // Registered first, so they run first: tell systemd, then stop taking requests, then the user's handlers.
        _daemon.OnShutdown(_ =>
        {
            _idle.Stop();
            _systemd.Stopping(shutdownTimeout);
            return Task.CompletedTask;
        });
        _daemon.OnShutdown(ct => Server.CloseAsync(ct));
    }

    /// <summary>
    /// Composes a daemon over this operating system's adapters. With <paramref name="loggers"/>, each component logs under
    /// its own category (<see cref="DaemonLogCategories"/>: <c>Outfitter.Daemon.Ipc</c>, <c>.Lifecycle</c>, <c>.Locking</c>,
    /// <c>.Health</c>, <c>.Systemd</c>); without, nothing is logged.
    /// </summary>
    /// <param name="options">The daemon's options; the defaults when null.</param>
    /// <param name="health">The health checker; when null, one with no checks that logs under <c>Outfitter.Daemon.Health</c>.</param>
    /// <param name="loggers">Creates the components' loggers; none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says what to fix.</exception>
    public static DaemonHost Create(DaemonHostOptions? options = null, IHealthChecker? health = null, ILoggerFactory? loggers = null) =>
        new(
            options ?? new DaemonHostOptions(),
            DaemonPathResolver.Os,
            DaemonLockService.Os,
            OsPorts.Current.Transport,
            OsPorts.Current.Directories,
            OsPorts.Current.Signals,
            OsPorts.Current.Exit,
            health ?? HealthChecker.Create(logger: loggers?.CreateLogger(DaemonLogCategories.Health)),
            OsPorts.Current.Time,
            OsPorts.Current.Runtime,
            OsPorts.Current.Processes,
            OsPorts.Current.SystemdEnvironment,
            OsPorts.Current.SystemdNotifySocket,
            loggers);

    /// <summary>The daemon's name.</summary>
    public string Name => _name;

    /// <summary>The IPC endpoint.</summary>
    public string SocketPath { get; }

    /// <summary>The lock file, which holds the PID.</summary>
    public string LockPath { get; }

    /// <summary>The resolved default paths for <see cref="Name"/>.</summary>
    public DaemonPathSet Paths { get; }

    /// <summary>The IPC server (add routes with <see cref="Router"/>).</summary>
    public IpcServer Server { get; }

    /// <summary>The request router: map your own request types here before starting.</summary>
    public IpcRouter Router { get; }

    /// <summary>The health checker behind <c>{"type":"health"}</c>.</summary>
    public IHealthChecker Health { get; }

    /// <summary>The lifecycle state.</summary>
    public DaemonState State => _daemon.State;

    /// <summary>The budget of the stop sequence: the options' <c>ShutdownTimeout</c>, or its default.</summary>
    public TimeSpan ShutdownTimeout { get; }

    /// <summary>How the last run ended; null before the first stop.</summary>
    internal RunEnd? LastRunEnd { get; private set; }

    /// <summary>
    /// Where a stop the daemon is asked for (the <c>shutdown</c> request) goes. Null: the daemon stops itself. A hosted
    /// daemon sets it to <c>IHostApplicationLifetime.StopApplication</c>, so the whole host stops, in its order.
    /// </summary>
    internal Action? StopRequested { get; set; }

    /// <summary>Registers a shutdown handler; it runs after the IPC server has closed, in registration order.</summary>
    public void OnShutdown(Func<CancellationToken, Task> handler) => _daemon.OnShutdown(handler);

    /// <summary>
    /// Takes the lock (<see cref="DaemonErrorCode.AlreadyRunning"/> naming the owner's PID if another daemon runs), then
    /// listens; a failure to listen stops the daemon again and is reported as <see cref="DaemonErrorCode.StartFailed"/>.
    /// </summary>
    public async Task<Result<Done, DaemonError>> StartAsync(CancellationToken cancellationToken = default)
    {
        var locked = await LockAsync(cancellationToken).ConfigureAwait(false);
        return locked.IsFailure ? locked : await ListenAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first half of <see cref="StartAsync"/>: the lock, the PID file and the lifecycle's Running state.</summary>
    internal async Task<Result<Done, DaemonError>> LockAsync(CancellationToken cancellationToken)
    {
        _systemd.Starting();
        var started = await _daemon.StartAsync(cancellationToken).ConfigureAwait(false);
        if (started.IsSuccess)
            _startedAt = _time.GetTimestamp();
        return started;
    }

    /// <summary>The second half of <see cref="StartAsync"/>: listen (or adopt the socket systemd passed), then READY.</summary>
    internal async Task<Result<Done, DaemonError>> ListenAsync(CancellationToken cancellationToken)
    {
        // Under socket activation the inherited socket is adopted, passed as a value (never through the options).
        var listening = await _systemd.TakeListenFd(Name).Match(
            Some: fd => Server.AdoptAsync(fd, cancellationToken),
            None: () => Server.ListenAsync(cancellationToken)).ConfigureAwait(false);
        if (!listening.TryGetError(out var problem))
        {
            _systemd.Ready();
            _idle.Start();
            _ = _daemon.WaitForStopAsync(CancellationToken.None).ContinueWith(_ => _systemd.StoppedAsync(), TaskScheduler.Default).Unwrap();
            return Done.Value;
        }

        // The log says why the daemon it just recorded as running is stopping again at once.
        LogCouldNotListen(Name, _pid, SocketPath, problem.Message);
        await _daemon.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return new DaemonError(DaemonErrorCode.StartFailed, $"Daemon \"{Name}\" could not listen: {problem.Message}");
    }

    [LoggerMessage(12, LogLevel.Error, "Daemon {Name} (PID {Pid}) could not listen on {Socket}: {Problem}; stopping")]
    private partial void LogCouldNotListen(string name, int pid, string socket, string problem);

    /// <summary>Stops: closes the IPC server, runs the shutdown handlers, releases the lock.</summary>
    public Task<Result<Done, DaemonError>> StopAsync(CancellationToken cancellationToken = default) => _daemon.StopAsync(cancellationToken);

    /// <summary>Completes when the daemon stops (signal, <c>shutdown</c> request, or <see cref="StopAsync"/>).</summary>
    public Task<Result<Done, DaemonError>> WaitForStopAsync(CancellationToken cancellationToken = default) => _daemon.WaitForStopAsync(cancellationToken);

    /// <summary>
    /// <see cref="DisposeAsync"/>, waited for: so a container disposed synchronously (<c>using var provider = …</c>)
    /// still stops the daemon and releases its lock.
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_daemon.State == DaemonState.Running)
            await _daemon.StopAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        await _systemd.DisposeAsync().ConfigureAwait(false);
        _idle.Dispose();
        _exitOnSignal?.Dispose();
    }

    private IpcResult WriteStatus(IpcRequest request)
    {
        using var json = new Utf8JsonWriter(request.Result);
        json.WriteStartObject();
        json.WriteString("name", Name);
        json.WriteNumber("pid", _pid);
        json.WriteString("state", Lifecycle.WireName(_daemon.State));
        json.WriteNumber("uptime", (long)_time.GetElapsedTime(_startedAt).TotalSeconds);
        json.WriteString("version", _version);
        json.WriteString("socket", SocketPath);
        json.WriteString("lock", LockPath);

        // The live counters, so `status` shows traffic without a metrics stack (this request is not counted yet).
        var counters = Server.Counters;
        json.WriteNumber("requests", counters.Requests);
        json.WriteNumber("errors", counters.Errors);
        json.WriteNumber("activeConnections", counters.ActiveConnections);
        json.WriteNumber("inFlight", counters.InFlight);
        json.WriteNumber("protocolErrors", counters.ProtocolErrors);
        json.WriteNumber("framesTooLarge", counters.FramesTooLarge);
        json.WriteNumber("connectionsAccepted", counters.ConnectionsAccepted);
        json.WriteNumber("cancelled", counters.Cancelled);
        json.WriteEndObject();
        return IpcResult.Written;
    }

    private IpcResult RequestShutdown(IpcRequest request)
    {
        // Answer first; the stop starts after this reply is written (the read loop flushes before it reads again).
        request.Result.Write("{\"stopping\":true}"u8);
        _ = Task.Run(async () =>
        {
            await Task.Yield();
            StopFromInside();
        });
        return IpcResult.Written;
    }

    /// <summary>The stop the daemon asks for itself (shutdown request, idle exit, watched process gone): the host's, or its own.</summary>
    private void StopFromInside()
    {
        if (StopRequested is { } stopHost)
            stopHost();
        else
            _daemon.RequestStop();
    }
}
