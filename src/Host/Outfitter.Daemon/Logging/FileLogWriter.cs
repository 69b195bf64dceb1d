using Outfitter.Daemon.Core.Logging;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Logging;

/// <summary>
/// The machinery of the rotating log: one lock, the open file, its size, and what failed. Each entry is decided on by
/// <see cref="LogRotation.Decide"/> and appended whole under the lock, so entries from many threads never interleave. A
/// failure (disk full, permission, a vanished directory) drops the entry, counts it and closes the file; the next
/// attempt is made after <see cref="RetryInterval"/>, and the first entry that is written again is preceded by a notice
/// of how many were dropped and why. Nothing here throws. Thread-safe.
/// </summary>
internal sealed class FileLogWriter : IDisposable
{
    /// <summary>How long after a failure entries are dropped without touching the file system again.</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly LogRotationPolicy _policy;
    private readonly ILogFiles _files;
    private readonly TimeProvider _time;
    private readonly Func<long, string, byte[]> _dropNotice;
    private ILogFile? _file;
    private long _size;
    private long _dropped;
    private long _unreported;
    private long? _failedAt;
    private string? _lastError;
    private bool _disposed;

    /// <param name="path">The log file.</param>
    /// <param name="policy">When to rotate and how many files to keep.</param>
    /// <param name="files">The file operations.</param>
    /// <param name="time">The clock of the retry interval.</param>
    /// <param name="dropNotice">Formats the notice written once writing works again: (entries dropped, last reason) → an entry.</param>
    internal FileLogWriter(string path, LogRotationPolicy policy, ILogFiles files, TimeProvider time, Func<long, string, byte[]> dropNotice)
    {
        _path = path;
        _policy = policy;
        _files = files;
        _time = time;
        _dropNotice = dropNotice;
    }

    /// <summary>Entries dropped since the writer was created.</summary>
    internal long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The last failure (why an entry was dropped, or a rotation step that failed); null while nothing has failed.</summary>
    internal string? LastError
    {
        get
        {
            lock (_gate)
                return _lastError;
        }
    }

    /// <summary>Appends one entry (rotating first when it would not fit); false when it was dropped.</summary>
    internal bool Write(ReadOnlySpan<byte> entry)
    {
        lock (_gate)
        {
            if (_disposed)
                return false;
            if (_failedAt is { } failedAt && _time.GetElapsedTime(failedAt) < RetryInterval)
                return Drop(_lastError ?? "unknown", recordFailure: false);
            if (_unreported > 0)
            {
                if (TryAppend(_dropNotice(_unreported, _lastError ?? "unknown")) is { } noticeFailed)
                    return Drop(noticeFailed, recordFailure: true);
                _unreported = 0;
            }

            if (TryAppend(entry) is { } failed)
                return Drop(failed, recordFailure: true);
            _failedAt = null;
            return true;
        }
    }

    /// <summary>Counts a dropped entry; false, for <see cref="Write"/> to return.</summary>
    internal bool Drop(string reason, bool recordFailure)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _dropped);
            _unreported++;
            _lastError = reason;
            if (recordFailure)
                _failedAt = _time.GetTimestamp();
            return false;
        }
    }

    /// <summary>Null when the bytes were appended, otherwise why not. Called under the lock.</summary>
    private string? TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (_file is null && Open() is { } notOpened)
            return notOpened;
        if (LogRotation.Decide(_path, _policy, _size, bytes.Length) is RotationDecision.Rotate rotate)
        {
            // A failed step is not a lost entry: the entry still goes into whatever file the path names now, and the
            // next entry tries the rotation again.
            Close();
            foreach (var step in rotate.Steps)
                Carry(step);
            if (Open() is { } reopenFailed)
                return reopenFailed;
        }

        var appended = _file!.Append(bytes);
        if (appended.IsFail)
        {
            // The file may have been deleted or replaced under us; the next attempt reopens the path.
            Close();
            return appended.Match(_ => "", e => e.Message);
        }

        _size += bytes.Length;
        return null;
    }

    private void Carry(RotationStep step)
    {
        var done = step switch
        {
            RotationStep.Delete delete => _files.Delete(delete.Path),
            RotationStep.Rename rename => _files.Rename(rename.From, rename.To),
            _ => throw new InvalidOperationException($"Unknown rotation step {step}."),
        };
        if (done.IsFail)
            _lastError = done.Match(_ => "", e => e.Message);
    }

    private string? Open()
    {
        var opened = _files.OpenAppend(_path);
        if (opened.Case is not ILogFile file)
            return opened.Match(_ => "", e => e.Message);
        var length = file.Length();
        if (length.IsFail)
        {
            file.Dispose();
            return length.Match(_ => "", e => e.Message);
        }

        _file = file;
        _size = length.Match(n => n, _ => 0L);
        return null;
    }

    private void Close()
    {
        _file?.Dispose();
        _file = null;
        _size = 0;
    }

    /// <summary>Closes the file; later entries are ignored.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Close();
        }
    }
}
