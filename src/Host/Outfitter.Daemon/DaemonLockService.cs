using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Single-instance locking over the lock ports. Each operation is a sandwich: observe through the ports, decide with
/// <see cref="LockDecisions"/>, act through the ports. <see cref="DaemonLock"/> is the static facade over
/// <see cref="Os"/>; construct your own instance with other ports (for example the test kit's fakes). Thread-safe.
/// </summary>
public sealed class DaemonLockService
{
    private static readonly Lazy<DaemonLockService> OsInstance =
        new(() => new DaemonLockService(OsPorts.Current.LockFiles, OsPorts.Current.Processes, OsPorts.Current.Directories));

    private readonly ILockFiles _files;
    private readonly IProcessTable _processes;
    private readonly IDirectories _directories;

    /// <summary>Creates the service over the given ports.</summary>
    public DaemonLockService(ILockFiles files, IProcessTable processes, IDirectories directories)
    {
        _files = files ?? throw new ArgumentNullException(nameof(files));
        _processes = processes ?? throw new ArgumentNullException(nameof(processes));
        _directories = directories ?? throw new ArgumentNullException(nameof(directories));
    }

    /// <summary>The service over this operating system's adapters.</summary>
    public static DaemonLockService Os => OsInstance.Value;

    /// <summary>
    /// Takes the lock at <paramref name="lockPath"/>, creating parent directories (0700) and the file (0600). A stale file
    /// (dead owner, reused PID, empty or garbage) is reclaimed; a live owner gives <see cref="LockErrorCode.AlreadyLocked"/>
    /// with its PID. Never blocks.
    /// </summary>
    public Result<LockHandle, LockError> Acquire(string lockPath) => TryAcquire(lockPath).ToResult();

    internal Either<LockError, LockHandle> TryAcquire(string lockPath)
    {
        if (string.IsNullOrWhiteSpace(lockPath))
            return LockError.InvalidPath(lockPath ?? "", "it is empty");
        if (lockPath.Contains('\0', StringComparison.Ordinal))
            return LockError.InvalidPath(lockPath.Replace("\0", "\\0", StringComparison.Ordinal), "it contains a NUL character");

        // A relative path's parent is resolved against the working directory by the directories port, not here.
        var parent = Path.GetDirectoryName(lockPath);
        if (!string.IsNullOrEmpty(parent))
        {
            var created = _directories.CreateAll(parent);
            if (created.IsFail)
                return ToLockError(lockPath, (Error)created);
        }

        return _files.TryLock(lockPath).Match(
            Succ: attempt => attempt switch
            {
                LockAttempt.Contended => Left<LockError, LockHandle>(Refusal(lockPath, Observe(KernelLock.Held, ReadContent(lockPath)))),
                LockAttempt.Locked locked => TakeOver(locked.Lock),
                _ => throw new InvalidOperationException($"Unknown lock attempt {attempt}."),
            },
            Fail: error => ToLockError(lockPath, error));
    }

    private Either<LockError, LockHandle> TakeOver(IHeldLock held)
    {
        var self = _processes.Current;
        var read = held.Read();
        if (read.IsFail)
        {
            held.Dispose();
            return ToLockError(held.LockPath, (Error)read);
        }

        var decision = Observe(KernelLock.Free, LockFileContent.Parse(Some((string)read)));
        switch (decision)
        {
            case LockDecision.HeldBy:
                held.Dispose();
                return Refusal(held.LockPath, decision);
            case LockDecision.Acquire or LockDecision.ReclaimStale or LockDecision.ReclaimInvalid:
                var written = held.Write(LockFileContent.Format(self));
                if (written.IsFail)
                {
                    held.Dispose();
                    return ToLockError(held.LockPath, (Error)written);
                }

                return new LockHandle(this, held, self.Pid, decision);
            default:
                throw new InvalidOperationException($"Unknown lock decision {decision}.");
        }
    }

    /// <summary>
    /// Releases the lock: deletes the file only while it still names the handle's PID (a missing file is fine), then drops
    /// the kernel lock. Releasing an already released handle does nothing.
    /// </summary>
    public Result<Done, LockError> Release(LockHandle handle) => TryRelease(handle).ToResult();

    internal Either<LockError, Unit> TryRelease(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var held = handle.Take();
        if (held is null)
            return unit;
        using (held)
        {
            var removed = held.Read()
                .Map(text => LockDecisions.ShouldRemoveOnRelease(LockFileContent.Parse(Some(text)), handle.Pid))
                .Bind(remove => remove ? held.Remove() : FinSucc(unit));
            return removed.Match(
                Succ: _ => Right<LockError, Unit>(unit),
                Fail: error => ToLockError(handle.LockPath, error));
        }
    }

    /// <summary>
    /// Deletes the lock file at <paramref name="lockPath"/> if it is stale (what <see cref="Acquire"/> would reclaim: no
    /// holder and a dead or replaced owner, an empty file or garbage), and only while holding its kernel lock, so a daemon
    /// starting at the same moment either is refused by our lock or locks a file we did not touch; the delete happens only
    /// while the path still names the locked inode. Nothing is written into the file. Gives true when a file was deleted,
    /// false when there was none or a live owner holds it.
    /// </summary>
    public Result<bool, LockError> RemoveStale(string lockPath) => TryRemoveStale(lockPath).ToResult();

    internal Either<LockError, bool> TryRemoveStale(string lockPath)
    {
        if (string.IsNullOrWhiteSpace(lockPath) || lockPath.Contains('\0', StringComparison.Ordinal))
            return false;

        // No file, nothing to do (and nothing to create: locking creates the file it locks).
        var existing = _files.Read(lockPath);
        if (existing.IsFail || ((Option<string>)existing).IsNone)
            return false;

        return _files.TryLock(lockPath).Match(
            Succ: attempt => attempt switch
            {
                LockAttempt.Contended => Right<LockError, bool>(false),
                LockAttempt.Locked locked => RemoveWhileHeld(locked.Lock),
                _ => throw new InvalidOperationException($"Unknown lock attempt {attempt}."),
            },
            Fail: error => ToLockError(lockPath, error));
    }

    private Either<LockError, bool> RemoveWhileHeld(IHeldLock held)
    {
        using (held)
        {
            var read = held.Read();
            if (read.IsFail)
                return ToLockError(held.LockPath, (Error)read);
            return StopDecisions.Cleanup(Observe(KernelLock.Free, LockFileContent.Parse(Some((string)read)))) switch
            {
                LockFileCleanup.Keep => false,
                LockFileCleanup.Delete => held.Remove().Match(
                    Succ: _ => Right<LockError, bool>(true),
                    Fail: error => ToLockError(held.LockPath, error)),
                var other => throw new InvalidOperationException($"Unknown clean-up decision {other}."),
            };
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a live process; false for pid ≤ 0, true when we may not signal it (EPERM).</summary>
    public bool IsProcessAlive(int pid) => pid > 0 && _processes.Inspect(pid) is ProcessStatus.Alive;

    /// <summary>
    /// Whether a live daemon owns the lock at <paramref name="lockPath"/>: someone holds its kernel lock, or (reference
    /// format) the file names a live process. A file left by a dead or replaced owner gives false.
    /// </summary>
    public bool IsDaemonAlive(string lockPath)
    {
        if (string.IsNullOrWhiteSpace(lockPath))
            return false;

        // A probe we cannot make (permissions) leaves the file's word; the decision then checks the named process.
        return LockDecisions.IsHeld(Observe(LockObservation.Kernel(_files, lockPath), ReadContent(lockPath)));
    }

    /// <summary>The PID named by the lock file; None when it is missing, empty or invalid. Surrounding whitespace is fine.</summary>
    public int? ReadLockPid(string lockPath) => ReadPid(lockPath).ToNullable();

    internal Option<int> ReadPid(string lockPath) =>
        string.IsNullOrWhiteSpace(lockPath) ? None : ReadContent(lockPath).Pid;

    /// <summary>What acquiring the lock now would decide, without acquiring it (for status commands and logs).</summary>
    public LockDecision Inspect(string lockPath) =>
        Observe(LockObservation.Kernel(_files, lockPath), ReadContent(lockPath));

    private LockFileContent ReadContent(string lockPath) => LockObservation.Content(_files, lockPath);

    private LockDecision Observe(KernelLock kernel, LockFileContent content)
    {
        var self = _processes.Current;
        return LockDecisions.Decide(kernel, content, LockObservation.Named(_processes, content, self), self);
    }

    private static LockError Refusal(string lockPath, LockDecision decision) =>
        decision is LockDecision.HeldBy held
            ? LockError.AlreadyLocked(lockPath, held.Pid)
            : throw new InvalidOperationException($"Expected a refusal, got {decision}.");

    private static LockError ToLockError(string lockPath, Error error) =>
        error.Code == OsErrors.WrongKindCode
            ? LockError.InvalidPath(lockPath, error.Message)
            : LockError.Io(lockPath, error.Message);
}
