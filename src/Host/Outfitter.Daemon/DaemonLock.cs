using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Functional;

namespace Outfitter.Daemon;

/// <summary>
/// PID-based single-instance locking with stale detection, the C# shape of the reference's locking functions
/// (<c>acquireDaemonLock</c>, <c>releaseDaemonLock</c>, <c>isProcessAlive</c>, <c>isDaemonAlive</c>, <c>readLockPid</c>).
/// Unlike the reference, a kernel lock guards the file, so two processes can never both own it and a crashed owner never
/// blocks the next start. Thread-safe. See <see cref="DaemonLockService"/> for the instance form.
/// </summary>
/// <example>
/// <code>
/// var acquired = await DaemonLock.AcquireAsync(DaemonPaths.GetLockPath("my-service"));
/// if (!acquired.TryGetValue(out var handle, out var error))
///     return Fail(error.Message);          // error.Code: AlreadyLocked (error.Pid names the owner), InvalidPath, Io, Cancelled
/// await using (handle)
///     await RunDaemonAsync();
/// </code>
/// </example>
public static class DaemonLock
{
    /// <summary>
    /// Acquires the lock at <paramref name="lockPath"/>: creates parent directories, writes this process's PID (and start
    /// time), and holds a kernel lock until the handle is released or disposed. Fails with
    /// <see cref="LockErrorCode.AlreadyLocked"/> and the owner's PID when a live daemon holds it. Does not wait.
    /// </summary>
    public static Task<Result<LockHandle, LockError>> AcquireAsync(string lockPath, CancellationToken cancellationToken = default) =>
        Task.FromResult(cancellationToken.IsCancellationRequested
            ? LockError.Cancelled(lockPath)
            : DaemonLockService.Os.Acquire(lockPath));

    /// <summary>Releases the lock; the file is removed only while it still names the handle's PID. Idempotent.</summary>
    public static Task<Result<Done, LockError>> ReleaseAsync(LockHandle handle) =>
        Task.FromResult(DaemonLockService.Os.Release(handle));

    /// <summary>Whether <paramref name="pid"/> is a live process: false for pid ≤ 0, true for one we may not signal.</summary>
    public static bool IsProcessAlive(int pid) => DaemonLockService.Os.IsProcessAlive(pid);

    /// <summary>Whether a live daemon owns the lock at <paramref name="lockPath"/> (stale files give false).</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static Task<bool> IsDaemonAliveAsync(string lockPath, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(DaemonLockService.Os.IsDaemonAlive(lockPath));
    }

    /// <summary>The PID in the lock file; null when the file is missing, empty or invalid.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static Task<int?> ReadLockPidAsync(string lockPath, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(DaemonLockService.Os.ReadLockPid(lockPath));
    }
}
