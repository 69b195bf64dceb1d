using LanguageExt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// The daemon lifecycle shell: it asks the pure <see cref="Lifecycle"/>, <see cref="ShutdownPlan"/>,
/// <see cref="ShutdownOutcome"/> and <see cref="SignalPolicy"/> what to do, and does it through the ports (the PID file's
/// lock, signals, time). As the Generic Host's <c>ConsoleLifetime</c> does, three steps are kept apart: a stop signal only
/// <em>requests</em> a stop (<see cref="RequestStop"/>); the stop sequence runs the handlers within the budget and
/// releases the PID file; and ending the process is not this class's business at all: it reports how each run ended
/// (<see cref="RunEnded"/>), and the composition decides (<see cref="DaemonExit.ExitOnSignal"/>, which
/// <see cref="Daemon.Create"/> attaches when <see cref="DaemonOptions.ExitOnSignal"/> is set). <see cref="Daemon.Create"/>
/// builds one over the OS; this constructor is the seam for tests and dependency injection. Thread-safe.
/// </summary>
public sealed partial class DaemonRuntime : IDaemon
{
    private readonly string _name;
    private readonly string _pidFile;
    private readonly TimeSpan _shutdownTimeout;
    private readonly bool _handleSignals;
    private readonly DaemonLockService _locks;
    private readonly ISignalSource _signals;
    private readonly IProcessTable _processes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LockLog _lockLog;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _handlersLock = new();
    private readonly List<Func<CancellationToken, Task>> _handlers = [];
    private volatile DaemonState _state = DaemonState.Stopped;
    private LockHandle? _lock;
    private IDisposable? _signalSubscription;
    private Task<Either<DaemonError, Unit>>? _stop;
    private TaskCompletionSource<Either<DaemonError, Unit>>? _run;
    private Option<StopSignal> _requestedBy;
    private RunEnd.Stopped? _lastEnd;
    private int _signalled;

    /// <summary>
    /// Creates a daemon over the given ports. The options are copied and validated here, once: later changes to
    /// <paramref name="options"/> have no effect, and the daemon never writes to it. <see cref="DaemonOptions.ExitOnSignal"/>
    /// is not read here: exiting is the composition's step (<see cref="DaemonExit.ExitOnSignal"/>).
    /// </summary>
    /// <param name="options">The daemon's options (copied).</param>
    /// <param name="locks">The PID file's lock.</param>
    /// <param name="signals">Stop signals delivered to this process.</param>
    /// <param name="processes">The process table: this process's PID, for the logs.</param>
    /// <param name="time">The clock of the shutdown budget.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public DaemonRuntime(DaemonOptions options, DaemonLockService locks, ISignalSource signals, IProcessTable processes, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = OptionRules.Validate(options.Name, options.PidFile, options.ShutdownTimeout);
        if (!problems.IsEmpty)
            throw new ArgumentException(OptionRules.Describe("daemon", problems), nameof(options));
        _name = options.Name;
        _pidFile = options.PidFile;
        _shutdownTimeout = options.ShutdownTimeout;
        _handleSignals = options.HandleSignals;
        // One logger for everything when the caller gave one; else a category per concern from the factory.
        _logger = options.Logger ?? options.LoggerFactory?.CreateLogger(DaemonLogCategories.Lifecycle) ?? NullLogger.Instance;
        _lockLog = new LockLog(options.Logger ?? options.LoggerFactory?.CreateLogger(DaemonLogCategories.Locking) ?? NullLogger.Instance);
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _signals = signals ?? throw new ArgumentNullException(nameof(signals));
        _processes = processes ?? throw new ArgumentNullException(nameof(processes));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>
    /// Raised (on a background thread) when a run ends: its stop sequence finished, or a second signal forced the end.
    /// The daemon never exits the process itself; <see cref="SignalPolicy.ExitCode"/> says what the owner of the process
    /// should do. A handler must not throw.
    /// </summary>
    public event Action<RunEnd>? RunEnded;

    /// <inheritdoc />
    public string Name => _name;

    /// <inheritdoc />
    public DaemonState State => _state;

    /// <inheritdoc />
    public bool IsRunning => Lifecycle.IsRunning(_state);

    private int Pid => _processes.Current.Pid;

    /// <inheritdoc />
    public void OnShutdown(Func<CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlersLock)
            _handlers.Add(handler);
    }

    /// <inheritdoc />
    public async Task<Result<Done, DaemonError>> StartAsync(CancellationToken cancellationToken = default) =>
        (await StartRunAsync(cancellationToken).ConfigureAwait(false)).ToResult();

    /// <inheritdoc />
    public async Task<Result<Done, DaemonError>> StopAsync(CancellationToken cancellationToken = default) =>
        (await StopRunAsync(cancellationToken).ConfigureAwait(false)).ToResult();

    /// <inheritdoc />
    public async Task<Result<Done, DaemonError>> WaitForStopAsync(CancellationToken cancellationToken = default) =>
        (await WaitForRunAsync(cancellationToken).ConfigureAwait(false)).ToResult();

    private async Task<Either<DaemonError, Unit>> StartRunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new DaemonError(DaemonErrorCode.StartFailed, $"Start of daemon \"{Name}\" was cancelled before it began.");
        }

        try
        {
            var starting = Move(LifecycleEvent.Start);
            if (starting.IsLeft)
                return starting.Map(_ => unit);
            LogStarting(Name, Pid, _pidFile);

            var locked = _locks.TryAcquire(_pidFile);
            if (locked.IsLeft)
            {
                var error = locked.Match(_ => throw new InvalidOperationException(), StartError);
                Move(LifecycleEvent.StartFailed);
                _lockLog.Refused(Name, Pid, _pidFile, locked.Match(_ => "", e => e.Code.ToString()), locked.Match(_ => "", e => e.Message));
                LogStartFailed(Name, Pid, error.CodeName, error.Message);
                return error;
            }

            _lock = locked.Match(h => h, _ => throw new InvalidOperationException());
            if (_lock.Decision is LockDecision.Acquire)
                _lockLog.Taken(Name, Pid, _pidFile);
            else
                _lockLog.Reclaimed(Name, Pid, _pidFile, Describe(_lock.Decision));
            _run = new TaskCompletionSource<Either<DaemonError, Unit>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _stop = null;
            _requestedBy = None;
            _lastEnd = null;
            _signalled = 0;
            if (_handleSignals)
                _signalSubscription = _signals.Subscribe(OnSignal);
            Move(LifecycleEvent.Started);
            LogStarted(Name, Pid, _pidFile, Describe(_lock.Decision));
            return unit;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Either<DaemonError, Unit>> StopRunAsync(CancellationToken cancellationToken) =>
        await BeginStop("StopAsync", None, cancellationToken).ConfigureAwait(false) switch
        {
            var (stop, _) when stop is not null => await stop.WaitAsync(cancellationToken).ConfigureAwait(false),
            var (_, error) => error,
        };

    /// <inheritdoc />
    public void RequestStop() => _ = BeginStop("RequestStop", None, CancellationToken.None);

    private Task<Either<DaemonError, Unit>> WaitForRunAsync(CancellationToken cancellationToken)
    {
        var run = _run;
        return run is null
            ? Task.FromResult<Either<DaemonError, Unit>>(new DaemonError(DaemonErrorCode.NotRunning, $"Daemon \"{Name}\" has not been started."))
            : run.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the stop once per run, or joins the one in progress; the error when there is nothing to stop. A signal that
    /// requests or joins the stop is remembered, so the run's end says a signal asked for it.
    /// </summary>
    private async Task<(Task<Either<DaemonError, Unit>>? Stop, DaemonError Error)> BeginStop(string reason, Option<StopSignal> signal, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state == DaemonState.Stopping && _stop is not null)
            {
                if (_requestedBy.IsNone)
                    _requestedBy = signal;
                return (_stop, null!);
            }

            var stopping = Move(LifecycleEvent.Stop);
            if (stopping.IsLeft)
                return (null, stopping.Match(_ => throw new InvalidOperationException(), e => e));
            _requestedBy = signal;
            LogStopping(Name, Pid, reason);
            _stop = Task.Run(RunShutdownAsync, CancellationToken.None);
            return (_stop, null!);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What a stop signal does: it requests the stop (or joins it) and returns; it never waits for it.</summary>
    private async Task RequestStopBySignalAsync(StopSignal signal)
    {
        var (stop, _) = await BeginStop(SignalName(signal), Some(signal), CancellationToken.None).ConfigureAwait(false);
        if (stop is not null)
            return;

        // The run stopped between the signal and now (a stop the API asked for): that run's end answers this signal too.
        RunEnd.Stopped? answered = null;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_lastEnd is { RequestedBy: null } last)
                answered = _lastEnd = last with { RequestedBy = signal };
        }
        finally
        {
            _gate.Release();
        }

        if (answered is not null)
            RaiseRunEnded(answered);
    }

    private async Task<Either<DaemonError, Unit>> RunShutdownAsync()
    {
        List<Func<CancellationToken, Task>> handlers;
        lock (_handlersLock)
            handlers = [.. _handlers];
        var plan = ShutdownPlan.Create(handlers.Count, _shutdownTimeout);

        var outcomes = Seq<HandlerOutcome>();
        using (var budget = new CancellationTokenSource(plan.Budget, _time))
        {
            foreach (var index in plan.Order)
                outcomes = outcomes.Add(await RunHandlerAsync(index, handlers[index], budget).ConfigureAwait(false));
        }

        var pidError = Release();
        var result = ShutdownOutcome.Evaluate(Name, plan, outcomes, pidError);
        result.IfLeft(e => LogShutdownProblem(Name, Pid, e.CodeName, e.Message));

        RunEnd.Stopped end;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _signalSubscription?.Dispose();
            _signalSubscription = null;
            Move(LifecycleEvent.Stopped);
            end = _lastEnd = new RunEnd.Stopped(result.MatchUnsafe(_ => null, e => e), _requestedBy.ToNullable());
        }
        finally
        {
            _gate.Release();
        }

        LogStopped(Name, Pid, result.Match(_ => "ok", e => e.CodeName));
        _run?.TrySetResult(result);
        RaiseRunEnded(end);
        return result;
    }

    private void RaiseRunEnded(RunEnd end)
    {
        try
        {
            RunEnded?.Invoke(end);
        }
        catch (Exception e)
        {
            LogRunEndedHandlerFailed(e, Name, Pid, e.Message);
        }
    }

    private async Task<HandlerOutcome> RunHandlerAsync(int index, Func<CancellationToken, Task> handler, CancellationTokenSource budget)
    {
        if (budget.IsCancellationRequested)
            return new HandlerOutcome.Skipped();
        Task running;
        try
        {
            running = handler(budget.Token);
        }
        catch (Exception e)
        {
            LogHandlerFailed(e, Name, Pid, index, e.Message);
            return new HandlerOutcome.Failed(e.Message);
        }

        try
        {
            await running.WaitAsync(budget.Token).ConfigureAwait(false);
            return new HandlerOutcome.Completed();
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            // Nobody waits for it any more; observe its eventual failure so it is not reported as unobserved.
            _ = running.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            LogHandlerAbandoned(Name, Pid, index, (long)_shutdownTimeout.TotalMilliseconds);
            return new HandlerOutcome.Abandoned();
        }
        catch (Exception e)
        {
            LogHandlerFailed(e, Name, Pid, index, e.Message);
            return new HandlerOutcome.Failed(e.Message);
        }
    }

    private void OnSignal(StopSignal signal)
    {
        LogSignal(Name, Pid, SignalName(signal));
        var signalledBefore = Interlocked.Exchange(ref _signalled, 1) == 1;
        switch (SignalPolicy.Decide(_state, signalledBefore))
        {
            case SignalDecision.StopGracefully:
                // Only a request: the stop sequence runs on its own; what the process does afterwards is its owner's call.
                _ = RequestStopBySignalAsync(signal);
                break;
            case SignalDecision.ForceExit:
                Release();
                LogForcedExit(Name, Pid, SignalName(signal), SignalPolicy.ForcedExitCode(signal));
                RaiseRunEnded(new RunEnd.Forced(signal));
                break;
            case SignalDecision.Ignore:
                break;
            default:
                throw new InvalidOperationException("Unknown signal decision.");
        }
    }

    /// <summary>Releases the PID file's lock (removing the file); the problem, if any. Safe to call twice.</summary>
    private Option<string> Release()
    {
        var handle = _lock;
        if (handle is null)
            return None;
        var released = _locks.TryRelease(handle).Match(Right: _ => Option<string>.None, Left: e => Some(e.Message));
        if (released.IsNone)
            _lockLog.Released(Name, Pid, _pidFile);
        else
            _lockLog.ReleaseFailed(Name, Pid, _pidFile, released.IfNone(""));
        return released;
    }

    private Either<DaemonError, DaemonState> Move(LifecycleEvent @event)
    {
        var next = Lifecycle.Transition(_state, @event, Name);
        next.IfRight(state => _state = state);
        return next;
    }

    private DaemonError StartError(LockError error) =>
        error.Code == LockErrorCode.AlreadyLocked
            ? new DaemonError(
                DaemonErrorCode.AlreadyRunning,
                error.Pid.Match(
                    Some: pid => $"Daemon \"{Name}\" is already running with PID {pid} (PID file {_pidFile}).",
                    None: () => $"Daemon \"{Name}\" is already running (PID file {_pidFile} is locked by a process that is starting)."))
            : new DaemonError(DaemonErrorCode.PidError, $"Failed to write PID file: {error.Message}");

    private static string Describe(LockDecision decision) => decision switch
    {
        LockDecision.ReclaimStale stale => $"reclaimed a stale PID file of PID {stale.StalePid} ({stale.Reason})",
        LockDecision.ReclaimInvalid invalid => $"replaced an invalid PID file ({invalid.Reason})",
        _ => "fresh PID file",
    };

    private static string SignalName(StopSignal signal) => signal switch
    {
        StopSignal.Terminate => "SIGTERM",
        StopSignal.Interrupt => "SIGINT",
        StopSignal.Quit => "SIGQUIT",
        _ => signal.ToString(),
    };

    [LoggerMessage(1, LogLevel.Information, "Daemon {Name} (PID {Pid}) starting with PID file {PidFile}")]
    private partial void LogStarting(string name, int pid, string pidFile);

    [LoggerMessage(2, LogLevel.Information, "Daemon {Name} (PID {Pid}) running; PID file {PidFile}: {How}")]
    private partial void LogStarted(string name, int pid, string pidFile, string how);

    [LoggerMessage(3, LogLevel.Error, "Daemon {Name} (PID {Pid}) failed to start: {Code} {Message}")]
    private partial void LogStartFailed(string name, int pid, string code, string message);

    [LoggerMessage(4, LogLevel.Information, "Daemon {Name} (PID {Pid}) stopping ({Reason})")]
    private partial void LogStopping(string name, int pid, string reason);

    [LoggerMessage(5, LogLevel.Information, "Daemon {Name} (PID {Pid}) stopped: {Result}")]
    private partial void LogStopped(string name, int pid, string result);

    [LoggerMessage(6, LogLevel.Warning, "Daemon {Name} (PID {Pid}): shutdown handler #{Index} failed: {Message}")]
    private partial void LogHandlerFailed(Exception exception, string name, int pid, int index, string message);

    [LoggerMessage(7, LogLevel.Warning, "Daemon {Name} (PID {Pid}): shutdown handler #{Index} still running after the {TimeoutMs} ms budget; no longer waiting for it")]
    private partial void LogHandlerAbandoned(string name, int pid, int index, long timeoutMs);

    [LoggerMessage(8, LogLevel.Information, "Daemon {Name} (PID {Pid}) received {Signal}")]
    private partial void LogSignal(string name, int pid, string signal);

    [LoggerMessage(9, LogLevel.Warning, "Daemon {Name} (PID {Pid}) received {Signal} again during shutdown: PID file removed, exiting now with code {ExitCode}")]
    private partial void LogForcedExit(string name, int pid, string signal, int exitCode);

    [LoggerMessage(10, LogLevel.Warning, "Daemon {Name} (PID {Pid}) shutdown problem: {Code} {Message}")]
    private partial void LogShutdownProblem(string name, int pid, string code, string message);

    [LoggerMessage(11, LogLevel.Error, "Daemon {Name} (PID {Pid}): a RunEnded handler threw: {Message}")]
    private partial void LogRunEndedHandlerFailed(Exception exception, string name, int pid, string message);
}
