using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>
/// Proof that this process owns a daemon lock: the reference's <c>LockHandle</c> (<see cref="LockPath"/>, <see cref="Pid"/>),
/// backed by a kernel lock that lives exactly as long as this object is undisposed, or the process lives.
/// Disposing releases it (same as <see cref="DaemonLock.ReleaseAsync"/>). Thread-safe; releasing twice is harmless.
/// </summary>
public sealed class LockHandle : IDisposable, IAsyncDisposable
{
    private readonly DaemonLockService _service;
    private IHeldLock? _held;

    internal LockHandle(DaemonLockService service, IHeldLock held, int pid, LockDecision decision)
    {
        _service = service;
        _held = held;
        LockPath = held.LockPath;
        Pid = pid;
        Decision = decision;
        Acquisition = LockAcquisition.From(decision);
    }

    /// <summary>Path to the lock file.</summary>
    public string LockPath { get; }

    /// <summary>The PID that owns the lock (this process).</summary>
    public int Pid { get; }

    /// <summary>What acquisition found: a fresh lock, or a stale or invalid file it reclaimed (for logs).</summary>
    public LockAcquisition Acquisition { get; }

    /// <summary>The core's decision behind <see cref="Acquisition"/>.</summary>
    internal LockDecision Decision { get; }

    /// <summary>True once the lock has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _held) is null;

    /// <summary>Takes the held lock out of the handle; null when already released. Used once by release.</summary>
    internal IHeldLock? Take() => Interlocked.Exchange(ref _held, null);

    /// <summary>Releases the lock; errors are ignored here (use <see cref="DaemonLock.ReleaseAsync"/> to see them).</summary>
    public void Dispose() => _service.TryRelease(this);

    /// <inheritdoc cref="Dispose" />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"LockHandle({LockPath}, pid {Pid}{(IsReleased ? ", released" : "")})";
}
