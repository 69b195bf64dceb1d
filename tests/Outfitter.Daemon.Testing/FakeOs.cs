using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// An in-memory operating system shared by many simulated processes: files with inode numbers, kernel locks owned by
/// open handles, a process table with start times, and directories. Each simulated process sees it through
/// <see cref="ProcessView"/>. Crashing a process drops its kernel locks, as the real kernel does. Thread-safe (one lock).
/// </summary>
public sealed class FakeOs
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DirectoryFacts> _directories = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong> _liveProcesses = new();
    private readonly Dictionary<int, int> _parents = new();
    private readonly System.Collections.Generic.HashSet<int> _unreadableStartTimes = new();
    private long _nextInode = 1;
    private long _nextHandle = 1;
    private ulong _clockTicks = 1000;
    private readonly List<SentSignal> _signals = new();

    /// <summary>The uid every simulated process runs as.</summary>
    public uint UserId { get; init; } = 1000;

    /// <summary>Starts a process with the given PID (or reuses a dead PID) and returns its view of the system.</summary>
    public ProcessView Start(int pid)
    {
        lock (_gate)
        {
            if (_liveProcesses.ContainsKey(pid))
                throw new InvalidOperationException($"PID {pid} is already running.");
            _liveProcesses[pid] = _clockTicks++;
            return new ProcessView(this, new ProcessIdentity(pid, (ulong?)_liveProcesses[pid]));
        }
    }

    /// <summary>
    /// Starts a process with the given PID as a child of <paramref name="parentPid"/> and returns its view of the system.
    /// When the parent exits (<see cref="Crash"/>), the child is re-parented to PID 1, as on Unix.
    /// </summary>
    public ProcessView Start(int pid, int parentPid)
    {
        lock (_gate)
        {
            var view = Start(pid);
            _parents[pid] = parentPid;
            return view;
        }
    }

    /// <summary>The parent PID of a running process, or null when it has none recorded or is not running.</summary>
    public int? ParentOf(int pid)
    {
        lock (_gate)
            return _liveProcesses.ContainsKey(pid) && _parents.TryGetValue(pid, out var parent) ? parent : null;
    }

    /// <summary>Kills a process as SIGKILL would: it is gone, every kernel lock its handles held is released, and its children are re-parented to PID 1.</summary>
    public void Crash(int pid)
    {
        lock (_gate)
        {
            _liveProcesses.Remove(pid);
            _parents.Remove(pid);
            foreach (var child in _parents.Where(p => p.Value == pid).Select(p => p.Key).ToList())
                _parents[child] = 1;
            foreach (var file in _files.Values)
                file.LockedBy.RemoveWhere(h => h.Pid == pid);
            foreach (var orphan in _orphans)
                orphan.LockedBy.RemoveWhere(h => h.Pid == pid);
        }
    }

    /// <summary>Every signal a simulated process delivered, in order (refused ones are not listed).</summary>
    public IReadOnlyList<SentSignal> SignalsSent
    {
        get
        {
            lock (_gate)
                return _signals.ToList();
        }
    }

    /// <summary>The start-time token of a running process, or null when <paramref name="pid"/> is not running.</summary>
    public ulong? StartTimeOf(int pid)
    {
        lock (_gate)
            return _liveProcesses.TryGetValue(pid, out var start) ? start : null;
    }

    /// <summary>Makes the start time of <paramref name="pid"/> unreadable (as with hidepid or another user's process).</summary>
    public void HideStartTime(int pid)
    {
        lock (_gate)
            _unreadableStartTimes.Add(pid);
    }

    /// <summary>Whether <paramref name="pid"/> is running.</summary>
    public bool IsRunning(int pid)
    {
        lock (_gate)
            return _liveProcesses.ContainsKey(pid);
    }

    /// <summary>Writes a file as a plain writer would (no kernel lock), e.g. the TypeScript package.</summary>
    public void WriteFile(string path, string content)
    {
        lock (_gate)
        {
            if (_files.TryGetValue(path, out var file))
                file.Content = content;
            else
                _files[path] = new FakeFile(_nextInode++, content);
        }
    }

    /// <summary>
    /// Appends bytes to a file (creating it) as another writer would, for example a shell redirect or a process writing
    /// bytes that are not valid UTF-8.
    /// </summary>
    public void AppendFile(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var file))
            {
                file = new FakeFile(_nextInode++, "");
                _files[path] = file;
            }

            file.Append(bytes);
        }
    }

    /// <summary>The file's bytes, or null when there is no such file.</summary>
    public byte[]? ReadFileBytes(string path)
    {
        lock (_gate)
            return _files.TryGetValue(path, out var file) ? file.Bytes : null;
    }

    /// <summary>How many times a log file reader (<see cref="ILogFileReader.Read"/>) was called, through every view.</summary>
    public long LogReads => Interlocked.Read(ref _logReads);

    /// <summary>How many bytes log file readers returned, through every view.</summary>
    public long LogBytesRead => Interlocked.Read(ref _logBytesRead);

    private long _logReads;
    private long _logBytesRead;

    /// <summary>The file's content, or null when there is no such file.</summary>
    public string? ReadFile(string path)
    {
        lock (_gate)
            return _files.TryGetValue(path, out var file) ? file.Content : null;
    }

    /// <summary>The path of every file, in ordinal order.</summary>
    public IReadOnlyList<string> FilePaths
    {
        get
        {
            lock (_gate)
                return _files.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Deletes a file (unlink: handles that have it open keep their inode).</summary>
    public void DeleteFile(string path)
    {
        lock (_gate)
            Unlink(path);
    }

    /// <summary>Whether a directory exists.</summary>
    public bool DirectoryExists(string path)
    {
        lock (_gate)
            return _directories.ContainsKey(path);
    }

    /// <summary>Places a directory (for example one owned by another user, or one open to others).</summary>
    public void PutDirectory(string path, FakeDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        lock (_gate)
            _directories[path] = new DirectoryFacts(directory.IsDirectory, directory.IsSymbolicLink, directory.OwnerUid, directory.Mode);
    }

    /// <summary>The directory at <paramref name="path"/>, or null when there is none.</summary>
    public FakeDirectory? GetDirectory(string path)
    {
        lock (_gate)
            return _directories.TryGetValue(path, out var d) ? new FakeDirectory(d.OwnerUid, d.Mode, d.IsDirectory, d.IsSymbolicLink) : null;
    }

    private Option<DirectoryFacts> DirectoryFactsOf(string path)
    {
        lock (_gate)
            return _directories.TryGetValue(path, out var d) ? Some(d) : None;
    }

    private readonly List<FakeFile> _orphans = new();

    private void Unlink(string path)
    {
        if (_files.Remove(path, out var file) && file.LockedBy.Count > 0)
            _orphans.Add(file);
    }

    private sealed class FakeFile(long inode, string content)
    {
        private byte[] _bytes = System.Text.Encoding.UTF8.GetBytes(content);
        private int _length = System.Text.Encoding.UTF8.GetByteCount(content);

        public long Inode { get; } = inode;

        /// <summary>The bytes as UTF-8 text (invalid sequences read as U+FFFD).</summary>
        public string Content
        {
            get => System.Text.Encoding.UTF8.GetString(_bytes, 0, _length);
            set
            {
                _bytes = System.Text.Encoding.UTF8.GetBytes(value);
                _length = _bytes.Length;
            }
        }

        public int Length => _length;

        public byte[] Bytes => _bytes.AsSpan(0, _length).ToArray();

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (_length + bytes.Length > _bytes.Length)
                System.Array.Resize(ref _bytes, Math.Max(_length + bytes.Length, Math.Max(256, _bytes.Length * 2)));
            bytes.CopyTo(_bytes.AsSpan(_length));
            _length += bytes.Length;
        }

        /// <summary>Copies the bytes from <paramref name="offset"/> into <paramref name="buffer"/>; how many.</summary>
        public int CopyTo(long offset, Span<byte> buffer)
        {
            if (offset >= _length)
                return 0;
            var n = (int)Math.Min(buffer.Length, _length - offset);
            _bytes.AsSpan((int)offset, n).CopyTo(buffer);
            return n;
        }

        public System.Collections.Generic.HashSet<HandleId> LockedBy { get; } = new();
    }

    private readonly record struct HandleId(int Pid, long Id);

    /// <summary>A delivered signal: to whom (PID and start time, so a reused PID shows as a different process) and which.</summary>
    public sealed record SentSignal(int Pid, ulong StartTime, ProcessSignal Signal, int SenderPid);

    /// <summary>One simulated process's ports onto the shared <see cref="FakeOs"/>.</summary>
    /// <remarks>
    /// It implements the ports explicitly: a test configures it (<see cref="FailWrites"/>) and hands it to the code under
    /// test as the port, which calls it through the port's interface.
    /// As <see cref="ILogFiles"/> it keeps log files as bytes in the shared file table (read them with
    /// <see cref="ReadFile"/> or <see cref="ReadFileBytes"/>); an open log file, for appending or reading, is its inode, so
    /// after a rename (or an unlink) it keeps appending to or reading the renamed file, as a real descriptor does. A file's
    /// <see cref="LogFileId"/> is device 1 and its inode: a rename keeps it, a new file gets a new one. Reads are counted in
    /// <see cref="LogReads"/> and <see cref="LogBytesRead"/>.
    /// As <see cref="IProcessSignals"/> it delivers a signal only to the identified process (same PID and start time),
    /// records it in <see cref="SignalsSent"/>, and a <see cref="ProcessSignal.Kill"/> crashes the target. A
    /// <see cref="ProcessSignal.Terminate"/> is only recorded: the simulated process decides nothing by itself.
    /// </remarks>
    public sealed class ProcessView : ILockFiles, IProcessTable, IDirectories, IProcessSignals, ILogFiles
    {
        private readonly FakeOs _os;

        internal ProcessView(FakeOs os, ProcessIdentity identity)
        {
            _os = os;
            Current = identity;
        }

        /// <summary>This simulated process (PID and start time); also what it reports as <see cref="IProcessTable.Current"/>.</summary>
        public ProcessIdentity Current { get; }

        /// <summary>
        /// When set, every write through this view fails with that message (a full disk, a read-only file system):
        /// <see cref="IHeldLock.Write"/>, opening a log file and appending to one (null: writes succeed).
        /// </summary>
        public string? FailWrites { get; set; }

        /// <inheritdoc />
        ProcessStatus IProcessTable.Inspect(int pid)
        {
            lock (_os._gate)
            {
                if (pid <= 0 || !_os._liveProcesses.TryGetValue(pid, out var start))
                    return new ProcessStatus.Dead();
                return new ProcessStatus.Alive(_os._unreadableStartTimes.Contains(pid) ? None : Some(start));
            }
        }

        /// <inheritdoc />
        Option<int> IProcessTable.ParentPid()
        {
            lock (_os._gate)
                return _os._parents.TryGetValue(Current.Pid, out var parent) ? Some(parent) : None;
        }

        /// <inheritdoc />
        Fin<SignalDelivery> IProcessSignals.Send(ProcessIdentity target, ProcessSignal signal)
        {
            lock (_os._gate)
            {
                EnsureAlive();
                if (!_os._liveProcesses.TryGetValue(target.Pid, out var start))
                    return SignalDelivery.Gone;
                if (target.Pid == Current.Pid || target.StartTime != start || _os._unreadableStartTimes.Contains(target.Pid))
                    return SignalDelivery.NotThatProcess;
                _os._signals.Add(new SentSignal(target.Pid, start, signal, Current.Pid));
            }

            if (signal == ProcessSignal.Kill)
                _os.Crash(target.Pid);
            return SignalDelivery.Delivered;
        }

        /// <inheritdoc />
        Fin<LockAttempt> ILockFiles.TryLock(string lockPath)
        {
            lock (_os._gate)
            {
                EnsureAlive();
                if (!_os._files.TryGetValue(lockPath, out var file))
                {
                    file = new FakeFile(_os._nextInode++, "");
                    _os._files[lockPath] = file;
                }

                if (file.LockedBy.Count > 0)
                    return new LockAttempt.Contended();
                var handle = new HandleId(Current.Pid, _os._nextHandle++);
                file.LockedBy.Add(handle);
                return new LockAttempt.Locked(new FakeHeldLock(this, lockPath, file, handle));
            }
        }

        /// <inheritdoc />
        Fin<Option<string>> ILockFiles.Read(string lockPath) => Optional(_os.ReadFile(lockPath));

        /// <inheritdoc />
        Fin<KernelLock> ILockFiles.Probe(string lockPath)
        {
            lock (_os._gate)
                return _os._files.TryGetValue(lockPath, out var file) && file.LockedBy.Count > 0 ? KernelLock.Held : KernelLock.Free;
        }

        /// <inheritdoc />
        Fin<Option<DirectoryFacts>> IDirectories.Inspect(string path) => _os.DirectoryFactsOf(path);

        /// <inheritdoc />
        Fin<Unit> IDirectories.CreateAll(string path)
        {
            lock (_os._gate)
            {
                if (!_os._directories.ContainsKey(path))
                    _os._directories[path] = new DirectoryFacts(true, false, _os.UserId, PrivateDirectory.OwnerOnlyMode);
                return unit;
            }
        }

        /// <inheritdoc />
        Fin<Unit> IDirectories.CreatePrivate(string path)
        {
            lock (_os._gate)
            {
                if (_os._directories.ContainsKey(path))
                    return OsErrors.Io($"{path} exists");
                _os._directories[path] = new DirectoryFacts(true, false, _os.UserId, PrivateDirectory.OwnerOnlyMode);
                return unit;
            }
        }

        /// <inheritdoc />
        Fin<Unit> IDirectories.RemoveTree(string path)
        {
            lock (_os._gate)
            {
                bool Inside(string p) => p == path || p.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal);
                foreach (var dir in _os._directories.Keys.Where(Inside).ToList())
                    _os._directories.Remove(dir);
                foreach (var file in _os._files.Keys.Where(Inside).ToList())
                    _os._files.Remove(file);
                return unit;
            }
        }

        /// <inheritdoc />
        Fin<Unit> IDirectories.SetOwnerOnly(string path)
        {
            lock (_os._gate)
            {
                if (!_os._directories.TryGetValue(path, out var d))
                    return OsErrors.Io($"{path} does not exist");
                _os._directories[path] = d with { Mode = PrivateDirectory.OwnerOnlyMode };
                return unit;
            }
        }

        /// <inheritdoc />
        Fin<ILogFile> ILogFiles.OpenAppend(string path)
        {
            if (FailWrites is { } failure)
                return OsErrors.Io(failure);
            lock (_os._gate)
            {
                EnsureAlive();
                var parent = path.LastIndexOf('/') is > 0 and var slash ? path[..slash] : null;
                if (parent is not null && !_os._directories.ContainsKey(parent))
                    _os._directories[parent] = new DirectoryFacts(true, false, _os.UserId, PrivateDirectory.OwnerOnlyMode);
                if (!_os._files.TryGetValue(path, out var file))
                {
                    file = new FakeFile(_os._nextInode++, "");
                    _os._files[path] = file;
                }

                return new FakeLogFile(this, path, file);
            }
        }

        /// <inheritdoc />
        Fin<Unit> ILogFiles.Rename(string from, string to)
        {
            lock (_os._gate)
            {
                if (_os._files.Remove(from, out var file))
                {
                    _os.Unlink(to);
                    _os._files[to] = file;
                }

                return unit;
            }
        }

        /// <inheritdoc />
        Fin<Unit> ILogFiles.Delete(string path)
        {
            lock (_os._gate)
            {
                _os.Unlink(path);
                return unit;
            }
        }

        /// <inheritdoc />
        Fin<Option<LogFileStat>> ILogFiles.Stat(string path)
        {
            lock (_os._gate)
            {
                if (_os._directories.ContainsKey(path))
                    return OsErrors.WrongKind($"{path} is a directory");
                return _os._files.TryGetValue(path, out var file) ? Some(new LogFileStat(IdOf(file), file.Length)) : None;
            }
        }

        /// <inheritdoc />
        Fin<Option<ILogFileReader>> ILogFiles.OpenRead(string path)
        {
            lock (_os._gate)
            {
                if (_os._directories.ContainsKey(path))
                    return OsErrors.WrongKind($"{path} is a directory");
                return _os._files.TryGetValue(path, out var file) ? Some((ILogFileReader)new FakeLogFileReader(this, path, file)) : None;
            }
        }

        /// <summary>A fake file's identity: device 1 and its inode, which a rename keeps and a new file does not share.</summary>
        private static LogFileId IdOf(FakeFile file) => new(1, (ulong)file.Inode);

        private void EnsureAlive()
        {
            if (!_os._liveProcesses.TryGetValue(Current.Pid, out var start) || Current.StartTime != start)
                throw new InvalidOperationException($"Process {Current.Pid} is not running; a crashed process cannot act.");
        }

        private sealed class FakeLogFile(ProcessView view, string path, FakeFile file) : ILogFile
        {
            private bool _closed;

            public Fin<long> Length()
            {
                lock (view._os._gate)
                    return (long)file.Length;
            }

            public Fin<Unit> Append(ReadOnlySpan<byte> entry)
            {
                if (view.FailWrites is { } failure)
                    return OsErrors.Io(failure);
                lock (view._os._gate)
                {
                    if (_closed)
                        return OsErrors.Io($"{path} is closed");
                    file.Append(entry);
                    return unit;
                }
            }

            public void Dispose()
            {
                lock (view._os._gate)
                    _closed = true;
            }
        }

        /// <summary>A reader on one inode: after a rename or an unlink it still reads that file, as a descriptor does.</summary>
        private sealed class FakeLogFileReader(ProcessView view, string path, FakeFile file) : ILogFileReader
        {
            private bool _closed;

            public LogFileId Id => IdOf(file);

            public Fin<long> Length()
            {
                lock (view._os._gate)
                    return _closed ? OsErrors.Io($"{path} is closed") : (long)file.Length;
            }

            public Fin<int> Read(long offset, Span<byte> buffer)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(offset);
                Interlocked.Increment(ref view._os._logReads);
                lock (view._os._gate)
                {
                    if (_closed)
                        return OsErrors.Io($"{path} is closed");
                    var n = file.CopyTo(offset, buffer);
                    Interlocked.Add(ref view._os._logBytesRead, n);
                    return n;
                }
            }

            public void Dispose()
            {
                lock (view._os._gate)
                    _closed = true;
            }
        }

        private sealed class FakeHeldLock(ProcessView view, string lockPath, FakeFile file, HandleId handle) : IHeldLock
        {
            public string LockPath => lockPath;

            public Fin<string> Read()
            {
                lock (view._os._gate)
                    return file.Content;
            }

            public Fin<Unit> Write(string content)
            {
                if (view.FailWrites is { } failure)
                    return OsErrors.Io(failure);
                lock (view._os._gate)
                {
                    file.Content = content;
                    return unit;
                }
            }

            public Fin<Unit> Remove()
            {
                lock (view._os._gate)
                {
                    // Only the inode we hold, as the real adapter checks device and inode.
                    if (view._os._files.TryGetValue(lockPath, out var current) && current.Inode == file.Inode)
                        view._os.Unlink(lockPath);
                    return unit;
                }
            }

            public void Dispose()
            {
                lock (view._os._gate)
                    file.LockedBy.Remove(handle);
            }
        }
    }
}
