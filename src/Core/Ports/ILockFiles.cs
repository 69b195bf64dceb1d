using LanguageExt;
using Outfitter.Daemon.Core.Locking;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Port: lock files guarded by a kernel lock that dies with its owner and does not stop other processes from reading
/// the file. Adapters: Linux open-file-description locks, a macOS sidecar <c>flock</c>, a Windows exclusive handle.
/// Thread-safety: implementations are safe to call concurrently.
/// </summary>
public interface ILockFiles
{
    /// <summary>
    /// Opens or creates (mode 0600) the file at <paramref name="lockPath"/> and tries, without waiting, to take its kernel
    /// lock. On success the held file is the one the path names now (an adapter retries when the file was replaced or
    /// unlinked while it locked). The parent directory must exist.
    /// </summary>
    Fin<LockAttempt> TryLock(string lockPath);

    /// <summary>Reads the file without locking it; None when it does not exist.</summary>
    Fin<Option<string>> Read(string lockPath);

    /// <summary>Tells whether another handle holds the kernel lock, without taking it; Free when the file does not exist.</summary>
    Fin<KernelLock> Probe(string lockPath);
}

/// <summary>The result of <see cref="ILockFiles.TryLock"/>.</summary>
public abstract record LockAttempt
{
    private LockAttempt()
    {
    }

    /// <summary>We hold the kernel lock; dispose <paramref name="Lock"/> to drop it.</summary>
    public sealed record Locked(IHeldLock Lock) : LockAttempt;

    /// <summary>Another handle holds the kernel lock.</summary>
    public sealed record Contended : LockAttempt;
}

/// <summary>
/// A lock file whose kernel lock we hold. Disposing closes it, which drops the kernel lock (so does the process dying).
/// Not thread-safe: one owner uses it.
/// </summary>
public interface IHeldLock : IDisposable
{
    /// <summary>The path that was locked.</summary>
    string LockPath { get; }

    /// <summary>Reads the locked file's content.</summary>
    Fin<string> Read();

    /// <summary>Replaces the locked file's content.</summary>
    Fin<Unit> Write(string content);

    /// <summary>Deletes the path if it still names the locked file (never a successor's file); a missing path is fine.</summary>
    Fin<Unit> Remove();
}
