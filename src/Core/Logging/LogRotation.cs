using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Logging;

/// <summary>
/// The rotating log file's one decision, pure: before an entry is appended, does it go into the current file, or are the
/// files shifted first? The files are <c>path</c> (the one written), <c>path.1</c> (the previous), … up to
/// <c>path.{MaxFiles-1}</c> (the oldest kept); a rotation drops the oldest, renames each other one up by one and starts
/// <c>path</c> afresh. An entry is appended when it fits under the cap or when the file is empty, so a file is never larger
/// than the cap unless it holds a single entry that is larger by itself (that entry is written whole, never cut or lost).
/// </summary>
public static class LogRotation
{
    /// <summary>The default cap of one file: 10 MiB.</summary>
    public const long DefaultMaxFileBytes = 10L * 1024 * 1024;

    /// <summary>The default number of files kept: the file and two rotated ones.</summary>
    public const int DefaultMaxFiles = 3;

    /// <summary>The most files a rotation keeps (so a typo cannot make every rotation rename thousands of files).</summary>
    public const int MaxMaxFiles = 100;

    /// <summary>The name of file <paramref name="index"/>: 0 is <paramref name="path"/> itself, n is <c>path.n</c>.</summary>
    public static string FilePath(string path, int index) => index == 0 ? path : $"{path}.{index}";

    /// <summary>Every name a policy may leave behind, newest first: <c>path</c>, <c>path.1</c>, … <c>path.{MaxFiles-1}</c>.</summary>
    public static Seq<string> FilePaths(string path, LogRotationPolicy policy) =>
        toSeq(Enumerable.Range(0, policy.MaxFiles).Select(i => FilePath(path, i)).ToArray());

    /// <summary>
    /// Whether the next entry of <paramref name="entryBytes"/> goes into the current file of <paramref name="currentBytes"/>,
    /// or the files rotate first (after which it goes into the new, empty <paramref name="path"/>).
    /// </summary>
    public static RotationDecision Decide(string path, LogRotationPolicy policy, long currentBytes, long entryBytes) =>
        currentBytes <= 0 || currentBytes + entryBytes <= policy.MaxFileBytes
            ? RotationDecision.Append.Instance
            : new RotationDecision.Rotate(Plan(path, policy));

    /// <summary>
    /// The steps of one rotation, in order: delete the oldest kept file, then rename <c>path.{n-1}</c> to <c>path.n</c>
    /// from the oldest down to <c>path</c> → <c>path.1</c>. With one file kept, the file is deleted. Steps on a name that
    /// does not exist are no-ops (the files appear one rotation at a time).
    /// </summary>
    public static Seq<RotationStep> Plan(string path, LogRotationPolicy policy)
    {
        var oldest = policy.MaxFiles - 1;
        var steps = new List<RotationStep> { new RotationStep.Delete(FilePath(path, oldest)) };
        for (var i = oldest; i >= 1; i--)
            steps.Add(new RotationStep.Rename(FilePath(path, i - 1), FilePath(path, i)));
        return toSeq(steps);
    }

    /// <summary>Problems with a cap and a file count, each saying what to fix; empty when they are valid.</summary>
    public static Seq<string> Validate(long maxFileBytes, int maxFiles)
    {
        var problems = Seq<string>();
        if (maxFileBytes < 1)
            problems = problems.Add($"MaxFileSizeBytes is {maxFileBytes}; use at least 1 byte (default 10 MiB).");
        if (maxFiles is < 1 or > MaxMaxFiles)
            problems = problems.Add($"MaxFiles is {maxFiles}; use 1 to {MaxMaxFiles} (default {DefaultMaxFiles}: the file and {DefaultMaxFiles - 1} rotated ones).");
        return problems;
    }
}

/// <summary>A valid cap and file count for <see cref="LogRotation"/>. Immutable; build one with <see cref="Create"/>.</summary>
public sealed class LogRotationPolicy : IEquatable<LogRotationPolicy>
{
    private LogRotationPolicy(long maxFileBytes, int maxFiles)
    {
        MaxFileBytes = maxFileBytes;
        MaxFiles = maxFiles;
    }

    /// <summary>The defaults: 10 MiB, three files.</summary>
    public static LogRotationPolicy Default { get; } = new(LogRotation.DefaultMaxFileBytes, LogRotation.DefaultMaxFiles);

    /// <summary>The cap of one file in bytes (at least 1).</summary>
    public long MaxFileBytes { get; }

    /// <summary>How many files are kept, the one being written included (1 to <see cref="LogRotation.MaxMaxFiles"/>).</summary>
    public int MaxFiles { get; }

    /// <summary>The policy, or every problem with the values (<see cref="LogRotation.Validate"/>).</summary>
    public static Either<Seq<string>, LogRotationPolicy> Create(long maxFileBytes, int maxFiles)
    {
        var problems = LogRotation.Validate(maxFileBytes, maxFiles);
        return problems.IsEmpty
            ? Right<Seq<string>, LogRotationPolicy>(new LogRotationPolicy(maxFileBytes, maxFiles))
            : Left<Seq<string>, LogRotationPolicy>(problems);
    }

    /// <inheritdoc />
    public bool Equals(LogRotationPolicy? other) => other is not null && MaxFileBytes == other.MaxFileBytes && MaxFiles == other.MaxFiles;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LogRotationPolicy);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(MaxFileBytes, MaxFiles);

    /// <inheritdoc />
    public override string ToString() => $"{MaxFiles} files of at most {MaxFileBytes} bytes";
}

/// <summary>What to do before appending an entry: <see cref="Append"/> or <see cref="Rotate"/>.</summary>
public abstract record RotationDecision
{
    private RotationDecision()
    {
    }

    /// <summary>Append to the current file.</summary>
    public sealed record Append : RotationDecision
    {
        /// <summary>The one value.</summary>
        public static Append Instance { get; } = new();
    }

    /// <summary>Close the current file, carry out <paramref name="Steps"/> in order, open a new file, then append.</summary>
    public sealed record Rotate(Seq<RotationStep> Steps) : RotationDecision;
}

/// <summary>One file operation of a rotation.</summary>
public abstract record RotationStep
{
    private RotationStep()
    {
    }

    /// <summary>Delete <paramref name="Path"/>; nothing there is fine.</summary>
    public sealed record Delete(string Path) : RotationStep;

    /// <summary>Rename <paramref name="From"/> to <paramref name="To"/>, replacing it; nothing at <paramref name="From"/> is fine.</summary>
    public sealed record Rename(string From, string To) : RotationStep;
}
