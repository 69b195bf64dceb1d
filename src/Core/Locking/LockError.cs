using LanguageExt;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Stable codes for <see cref="LockError"/>.</summary>
public enum LockErrorCode
{
    /// <summary>Another live process owns the lock.</summary>
    AlreadyLocked,

    /// <summary>The lock path cannot be used (empty, a directory, a symbolic link).</summary>
    InvalidPath,

    /// <summary>The file system refused an operation (permissions, read-only, unsupported locks).</summary>
    Io,

    /// <summary>The caller cancelled the operation.</summary>
    Cancelled,
}

/// <summary>
/// An expected failure to take or release a daemon lock: the reference's <c>LockError</c> with <c>message</c>,
/// <c>lockPath</c> and <c>pid</c>, plus a stable <see cref="Code"/>.
/// </summary>
/// <param name="Code">What kind of failure this is.</param>
/// <param name="Message">A sentence saying what happened and what to do.</param>
/// <param name="LockPath">The lock file concerned.</param>
/// <param name="Pid">The owner's PID, when known.</param>
public sealed record LockError(LockErrorCode Code, string Message, string LockPath, int? Pid)
{
    /// <summary>The lock is held by <paramref name="pid"/> (or by a process that has not yet written its PID).</summary>
    public static LockError AlreadyLocked(string lockPath, int? pid) =>
        new(
            LockErrorCode.AlreadyLocked,
            pid is { } p
                ? $"Daemon already running with PID {p} (lock {lockPath}). Stop it first, or use that daemon."
                : $"Daemon already running (lock {lockPath} is held by a process that has not written its PID yet). Stop it first, or use that daemon.",
            lockPath,
            pid);

    /// <summary>A file-system failure on <paramref name="lockPath"/>.</summary>
    public static LockError Io(string lockPath, string what) =>
        new(LockErrorCode.Io, $"Cannot lock {lockPath}: {what}", lockPath, null);

    /// <summary>An unusable lock path.</summary>
    public static LockError InvalidPath(string lockPath, string what) =>
        new(LockErrorCode.InvalidPath, $"Invalid lock path \"{lockPath}\": {what}", lockPath, null);

    /// <summary>The caller cancelled.</summary>
    public static LockError Cancelled(string lockPath) =>
        new(LockErrorCode.Cancelled, $"Locking {lockPath} was cancelled.", lockPath, null);

    /// <inheritdoc />
    public override string ToString() => Message;
}
