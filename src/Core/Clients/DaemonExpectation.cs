// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// What a client expects of the daemon it connects to, compared with the daemon's <c>hello</c> answer by
/// <c>DaemonClient.ConnectOrStartAsync</c>. A null member is not compared; all null (the default) expects nothing.
/// </summary>
public sealed record DaemonExpectation
{
    /// <summary>The version the daemon must report (compared ordinally), or null for any.</summary>
    public string? Version { get; init; }

    /// <summary>The build the daemon must report (compared ordinally), or null for any.</summary>
    public string? Build { get; init; }

    /// <summary>The options hash the daemon must report, or null for any.</summary>
    public string? OptionsHash { get; init; }

    /// <summary>True when something is compared.</summary>
    public bool ExpectsAnything => Version is not null || Build is not null || OptionsHash is not null;
}

/// <summary>What <c>DaemonClient.ConnectOrStartAsync</c> does when the running daemon is not the one expected.</summary>
public enum DaemonMismatchPolicy
{
    /// <summary>Keep the running daemon and connect to it (the default).</summary>
    Accept = 0,

    /// <summary>Fail with <c>DaemonConnectionError.DaemonMismatchError</c>; the running daemon is left alone.</summary>
    Reject,

    /// <summary>
    /// Stop the running daemon gracefully and start the expected one. Of several clients racing, one restarts it (the
    /// one that wins the spawn election); the others wait and connect to the new daemon.
    /// </summary>
    Restart,
}
