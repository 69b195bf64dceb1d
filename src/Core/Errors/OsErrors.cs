using LanguageExt.Common;

namespace Outfitter.Daemon.Core.Errors;

/// <summary>
/// Stable error codes that adapters use when they translate an operating-system failure into a <see cref="Error"/>,
/// so the shell can turn them into the right public error without parsing messages.
/// </summary>
public static class OsErrors
{
    /// <summary>Code: the path names something of the wrong kind (a directory, a symbolic link).</summary>
    public const int WrongKindCode = 7001;

    /// <summary>Code: permission denied.</summary>
    public const int PermissionDeniedCode = 7002;

    /// <summary>Code: the operation is not supported here (platform or file system).</summary>
    public const int UnsupportedCode = 7003;

    /// <summary>Code: any other I/O failure.</summary>
    public const int IoCode = 7004;

    /// <summary>The path names something of the wrong kind.</summary>
    public static Error WrongKind(string message) => Error.New(WrongKindCode, message);

    /// <summary>Permission denied.</summary>
    public static Error PermissionDenied(string message) => Error.New(PermissionDeniedCode, message);

    /// <summary>Not supported on this platform or file system.</summary>
    public static Error Unsupported(string message) => Error.New(UnsupportedCode, message);

    /// <summary>Any other I/O failure.</summary>
    public static Error Io(string message) => Error.New(IoCode, message);
}
