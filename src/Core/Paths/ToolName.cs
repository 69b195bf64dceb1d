using System.Diagnostics.CodeAnalysis;
using LanguageExt;
using static LanguageExt.Prelude;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// A tool name that is safe to use as one directory or pipe-name component: it cannot escape the runtime directory.
/// Immutable; construct with <see cref="TryParse"/>.
/// </summary>
public sealed record ToolName
{
    /// <summary>The longest accepted name, in UTF-16 code units.</summary>
    public const int MaxLength = 100;

    // Rejected everywhere, so a name that works on Linux also works on Windows (':' would even open an NTFS stream).
    private const string WindowsReserved = ":*?\"<>|";

    private ToolName(string value) => Value = value;

    /// <summary>The validated name.</summary>
    public string Value { get; }

    /// <summary>
    /// Validates <paramref name="candidate"/>: rejects null, empty or blank names, <c>.</c> and <c>..</c>, path separators
    /// (<c>/</c> and <c>\</c>), NUL and other control characters, the characters Windows reserves in file names
    /// (<c>: * ? " &lt; &gt; |</c>), and names longer than <see cref="MaxLength"/>.
    /// </summary>
    internal static Either<PathError, ToolName> Parse(string? candidate)
    {
        if (string.IsNullOrWhiteSpace(candidate))
            return Invalid(candidate ?? "", "it is empty; pass a name such as \"my-service\"");
        if (candidate is "." or "..")
            return Invalid(candidate, "\".\" and \"..\" would point outside the runtime directory");
        if (candidate.Length > MaxLength)
            return Invalid(candidate[..20] + "…", $"it is {candidate.Length} characters long; the limit is {MaxLength}");
        foreach (var c in candidate)
        {
            if (c is '/' or '\\')
                return Invalid(candidate, $"it contains the path separator '{c}'");
            if (c == '\0')
                return Invalid(candidate.Replace("\0", "\\0", StringComparison.Ordinal), "it contains a NUL character");
            if (char.IsControl(c))
                return Invalid(candidate, $"it contains the control character U+{(int)c:X4}");
            if (WindowsReserved.Contains(c))
                return Invalid(candidate, $"it contains '{c}', which Windows does not allow in file and pipe names");
        }

        return Right(new ToolName(candidate));
    }

    /// <summary>
    /// Validates <paramref name="candidate"/> by the rules of <see cref="Parse"/>: true with the name, or false with the
    /// error saying what is wrong with it (<see cref="PathErrorCode.InvalidToolName"/>).
    /// </summary>
    public static bool TryParse(string? candidate, [NotNullWhen(true)] out ToolName? name, [NotNullWhen(false)] out PathError? error)
    {
        (name, error) = Parse(candidate).Match(
            Right: valid => (valid, (PathError?)null),
            Left: invalid => ((ToolName?)null, invalid));
        return name is not null;
    }

    private static Either<PathError, ToolName> Invalid(string shown, string why) =>
        Left(new PathError(PathErrorCode.InvalidToolName, $"Invalid tool name \"{shown}\": {why}."));

    /// <inheritdoc />
    public override string ToString() => Value;
}
