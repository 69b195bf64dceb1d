using System.Globalization;
using System.Text;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Locking;

/// <summary>
/// The parsed content of a lock file. The format stays readable by the reference package: the first line is a bare PID
/// followed by a newline; ours adds the owner's start-time token on a second line (the reference's
/// <c>parseInt(content.trim())</c> stops at the newline, so it still reads the PID).
/// </summary>
public abstract record LockFileContent
{
    /// <summary>Files larger than this are not lock files we wrote; they are treated as invalid.</summary>
    public const int MaxBytes = 4096;

    private LockFileContent()
    {
    }

    /// <summary>No file at the path.</summary>
    public sealed record Missing : LockFileContent;

    /// <summary>A file that is empty or only whitespace (for example, an owner between create and write).</summary>
    public sealed record Empty : LockFileContent;

    /// <summary>A file whose first line is not a positive PID.</summary>
    public sealed record Invalid(string Reason) : LockFileContent;

    /// <summary>A file naming an owner. <paramref name="Owner"/>'s start time is None in the reference's format.</summary>
    public sealed record Owned(ProcessIdentity Owner) : LockFileContent;

    /// <summary>Parses a lock file's text (None when the file is missing). Never throws.</summary>
    public static LockFileContent Parse(Option<string> text) =>
        text.Match(None: () => new Missing(), Some: ParseText);

    private static LockFileContent ParseText(string text)
    {
        // The limit is in bytes, as the file adapter reads it: multi-byte text can be over it in fewer characters.
        if (text.Length > MaxBytes || Encoding.UTF8.GetByteCount(text) > MaxBytes)
            return new Invalid($"it is larger than {MaxBytes} bytes");
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
            return new Empty();

        var lines = trimmed.Split('\n');
        var first = lines[0].Trim();
        if (!IsDigits(first) || !int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            return new Invalid($"its first line \"{Shorten(first)}\" is not a positive process id");

        // A second line we cannot read is treated like the reference format (no start time): the safer reading.
        var startTime = lines.Length > 1 && ulong.TryParse(lines[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var st)
            ? st
            : (ulong?)null;
        return new Owned(new ProcessIdentity(pid, startTime));
    }

    /// <summary>The text we write for <paramref name="owner"/>: the PID and a newline, then the start time and a newline when known.</summary>
    public static string Format(ProcessIdentity owner) =>
        owner.Start.Match(
            Some: st => string.Create(CultureInfo.InvariantCulture, $"{owner.Pid}\n{st}\n"),
            None: () => string.Create(CultureInfo.InvariantCulture, $"{owner.Pid}\n"));

    /// <summary>The PID this content names, if any.</summary>
    public Option<int> Pid => this is Owned o ? Some(o.Owner.Pid) : None;

    private static bool IsDigits(string s) => s.Length is > 0 and <= 10 && s.All(char.IsAsciiDigit);

    private static string Shorten(string s) => s.Length <= 32 ? s : s[..32] + "…";
}
