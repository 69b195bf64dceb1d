using System.Text.Json;
using LanguageExt;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Idle;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// Ends a daemon nobody needs any more, on the normal graceful path (the one a <c>shutdown</c> request takes): after
/// <see cref="DaemonHostOptions.IdleTimeout"/> of idleness, unless a connection holds a lease; and when the process of
/// <see cref="DaemonHostOptions.ExitWithPid"/>, or the daemon's parent (<see cref="DaemonHostOptions.ExitWithParent"/>),
/// has exited. One timer on the host's <see cref="TimeProvider"/>, and only while there is something to watch: each
/// check samples the IPC server's counters and the process table, and the pure <see cref="IdlePolicy"/> and
/// <see cref="ProcessWatch"/> decide. The request path pays nothing. Thread-safe.
/// </summary>
internal sealed partial class IdleMonitor : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeSpan? _timeout;
    private readonly int? _exitWithPid;
    private readonly bool _exitWithParent;
    private readonly IpcServer _server;
    private readonly IProcessTable _processes;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Action _requestStop;
    private readonly string _name;
    private readonly int _pid;
    private int _leases;
    private ITimer? _timer;
    private long _origin;
    private IdleFacts? _idle;
    private Seq<WatchedProcess> _watched;

    internal IdleMonitor(DaemonHostOptions options, IpcServer server, IProcessTable processes, TimeProvider time, ILogger log, Action requestStop, int pid)
    {
        _timeout = options.IdleTimeout;
        _exitWithPid = options.ExitWithPid;
        _exitWithParent = options.ExitWithParent;
        _name = options.Name;
        _server = server;
        _processes = processes;
        _time = time;
        _log = log;
        _requestStop = requestStop;
        _pid = pid;
    }

    /// <summary>Leases held now (each until its connection closes).</summary>
    internal int Leases => Volatile.Read(ref _leases);

    /// <summary>
    /// The <c>lease</c> request: the connection it came on keeps the daemon from stopping when idle until that connection
    /// closes (<see cref="IpcRequest.ConnectionClosed"/>, cancelled when its connection ends, releases it). A
    /// second lease on the same connection is a second one, released with it. Answers
    /// <c>{"lease":true,"idleTimeoutMs":N}</c> (<c>null</c> when the daemon never stops when idle).
    /// </summary>
    internal IpcResult Lease(IpcRequest request)
    {
        if (!request.ConnectionClosed.CanBeCanceled)
            return IpcResult.Error("A lease is held by a connection, and this request came on none.", Outfitter.Daemon.Core.Ipc.IpcErrorCodes.HandlerError);
        Interlocked.Increment(ref _leases);

        // Runs at once if the connection has already ended, so a lease never outlives its connection.
        request.ConnectionClosed.Register(static state => Interlocked.Decrement(ref ((IdleMonitor)state!)._leases), this);
        using var json = new Utf8JsonWriter(request.Result);
        json.WriteStartObject();
        json.WriteBoolean("lease", true);
        if (_timeout is { } timeout)
            json.WriteNumber("idleTimeoutMs", (long)timeout.TotalMilliseconds);
        else
            json.WriteNull("idleTimeoutMs");
        json.WriteEndObject();
        return IpcResult.Written;
    }

    /// <summary>Starts watching (the server listens now): the idle clock starts at zero, watched processes are identified.</summary>
    internal void Start()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _origin = _time.GetTimestamp();
            _idle = _timeout is { } timeout ? IdlePolicy.Start(timeout, Sample(), Leases, TimeSpan.Zero) : null;
            _watched = Watched();
            if (_idle is null && _watched.IsEmpty)
                return;
            var first = _idle is { } idle ? IdlePolicy.PollInterval(idle.Timeout) : ProcessWatch.PollInterval;
            if (!_watched.IsEmpty && ProcessWatch.PollInterval < first)
                first = ProcessWatch.PollInterval;
            _timer = _time.CreateTimer(static state => ((IdleMonitor)state!).Check(), this, first, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops watching (the daemon is stopping). Idempotent.</summary>
    internal void Stop()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    private void Check()
    {
        lock (_gate)
        {
            // Stopped meanwhile, or the server has closed (a stop is under way): nothing left to decide.
            if (_timer is null || !_server.IsListening)
                return;
            var now = _time.GetElapsedTime(_origin);
            var next = TimeSpan.MaxValue;

            if (_idle is { } facts)
            {
                var observed = IdlePolicy.Observe(facts, Sample(), Leases, now);
                _idle = observed;
                switch (IdlePolicy.Decide(observed, now))
                {
                    case IdleStep.Stop stop:
                        LogIdle(_name, _pid, DurationText.Format(stop.IdleFor), DurationText.Format(observed.Timeout));
                        StopDaemon();
                        return;
                    case IdleStep.Stay stay:
                        next = stay.NextCheck;
                        break;
                }
            }

            if (!_watched.IsEmpty)
            {
                var parentNow = _watched.Exists(w => w.IsParent) ? _processes.ParentPid() : None;
                foreach (var watched in _watched)
                {
                    var verdict = ProcessWatch.Check(watched, _processes.Inspect(watched.Pid), parentNow);
                    if (ProcessWatch.IsGone(verdict))
                    {
                        LogProcessExited(_name, _pid, watched.IsParent ? "parent process" : "process", watched.Pid, ProcessWatch.Describe(verdict, parentNow));
                        StopDaemon();
                        return;
                    }
                }

                var watchNext = IdlePolicy.Later(now, ProcessWatch.PollInterval);
                if (watchNext < next)
                    next = watchNext;
            }

            var due = next - now;
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The normal graceful stop, requested once, off the timer's thread; no more checks after it.</summary>
    private void StopDaemon()
    {
        _timer?.Dispose();
        _timer = null;
        _ = Task.Run(_requestStop);
    }

    private ActivityCounters Sample()
    {
        var counters = _server.Counters;
        return new ActivityCounters(counters.Requests, counters.ConnectionsAccepted, counters.InFlight);
    }

    /// <summary>The processes to watch, identified now (their start times tell a later reuse of the PID apart).</summary>
    private Seq<WatchedProcess> Watched()
    {
        var watched = Seq<WatchedProcess>();
        if (_exitWithPid is { } pid)
            watched = watched.Add(ProcessWatch.Watch(pid, _processes.Inspect(pid), isParent: false));
        if (_exitWithParent)
        {
            var parent = _processes.ParentPid().Filter(p => p > 0);
            if (parent.IsNone)
                LogParentUnknown(_name, _pid);
            watched = parent.Match(p => watched.Add(ProcessWatch.Watch(p, _processes.Inspect(p), isParent: true)), () => watched);
        }

        return watched;
    }

    [LoggerMessage(14, LogLevel.Information, "Daemon {Name} (PID {Pid}) idle for {Idle} (idle timeout {Timeout}): no connection, request or lease; stopping")]
    private partial void LogIdle(string name, int pid, string idle, string timeout);

    [LoggerMessage(15, LogLevel.Information, "Daemon {Name} (PID {Pid}): {What} {WatchedPid} has exited ({How}); stopping")]
    private partial void LogProcessExited(string name, int pid, string what, int watchedPid, string how);

    [LoggerMessage(16, LogLevel.Warning, "Daemon {Name} (PID {Pid}): ExitWithParent is set, but this system does not tell the parent's PID; the daemon will not stop when its parent exits")]
    private partial void LogParentUnknown(string name, int pid);
}
