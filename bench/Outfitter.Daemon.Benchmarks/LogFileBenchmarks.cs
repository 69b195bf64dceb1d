using BenchmarkDotNet.Attributes;
using LanguageExt;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

/// <summary>
/// The cost of one entry in the daemon's log file (docs/adr/0014-daemon-log-file.md): formatted, appended under the lock
/// and handed to the kernel with write(2) before Log returns, on the real file system in the temp directory; and the
/// same entry formatted and appended to a sink that discards it, to show what the system call costs.
/// </summary>
[MemoryDiagnoser]
public class LogFileBenchmarks
{
    private string _dir = "";
    private DaemonFileLoggerProvider? _provider;
    private ILogger _logger = null!;

    /// <summary>The format.</summary>
    [Params(DaemonFileLogFormat.Text, DaemonFileLogFormat.Json)]
    public DaemonFileLogFormat Format { get; set; }

    /// <summary>Whether entries reach the file system, or a sink that discards them.</summary>
    [Params(true, false)]
    public bool ToDisk { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "od-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        // Two files of 64 MiB bound the disk used; rotations are part of the measured cost, as in a daemon.
        var options = new DaemonFileLogOptions { Path = Path.Combine(_dir, "daemon.log"), Format = Format, MaxFileSizeBytes = 64L * 1024 * 1024, MaxFiles = 2 };
        _provider = ToDisk ? new DaemonFileLoggerProvider(options) : new DaemonFileLoggerProvider(options, new DiscardingLogFiles(), TimeProvider.System);
        _logger = _provider.CreateLogger("Outfitter.Daemon.Ipc");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One templated entry with two values, as the daemon's own events are.</summary>
    [Benchmark]
    public void LogOneEntry() => _logger.LogInformation("Request {RequestId} of type {RequestType} answered in {Milliseconds} ms", "12345", "echo", 0.42);

    private sealed class DiscardingLogFiles : ILogFiles
    {
        public Fin<ILogFile> OpenAppend(string path) => new DiscardingFile();

        public Fin<Unit> Rename(string from, string to) => unit;

        public Fin<Unit> Delete(string path) => unit;

        // Nothing is kept, so there is nothing to read back.
        public Fin<Option<LogFileStat>> Stat(string path) => Option<LogFileStat>.None;

        public Fin<Option<ILogFileReader>> OpenRead(string path) => Option<ILogFileReader>.None;

        private sealed class DiscardingFile : ILogFile
        {
            public Fin<long> Length() => 0L;

            public Fin<Unit> Append(ReadOnlySpan<byte> entry) => unit;

            public void Dispose()
            {
            }
        }
    }
}
