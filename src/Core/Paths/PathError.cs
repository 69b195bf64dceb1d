// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Stable codes for <see cref="PathError"/>.</summary>
public enum PathErrorCode
{
    /// <summary>The tool name is empty, a dot name, too long, or contains a separator or control character.</summary>
    InvalidToolName,

    /// <summary>A directory we would use is not private to the current user (another owner, a symbolic link, not a directory).</summary>
    UnsafeDirectory,

    /// <summary>The file system refused an operation on the daemon directory.</summary>
    Io,
}

/// <summary>An expected failure while resolving or preparing daemon paths.</summary>
/// <param name="Code">What kind of failure this is.</param>
/// <param name="Message">A sentence saying what happened and what to do.</param>
public sealed record PathError(PathErrorCode Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
