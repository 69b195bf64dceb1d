namespace Outfitter.Daemon.Tool;

/// <summary>The tool's documented exit codes (README "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The lock is held by a live daemon.</summary>
    public const int AlreadyLocked = 1;

    /// <summary>Bad command line.</summary>
    public const int Usage = 2;

    /// <summary>An operating-system or file-system failure.</summary>
    public const int Failure = 3;
}
