using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>
/// Pure validation of every options type the shell takes (daemon, IPC server, systemd): each rule returns every problem,
/// each saying what to fix, and <see cref="Describe"/> turns them into the one message the shell throws as an
/// <see cref="ArgumentException"/>. The shell validates a caller's options once, when it copies them.
/// </summary>
internal static class OptionRules
{
    /// <summary>The reference's default shutdown timeout.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Problems with the given options; empty when they are valid.</summary>
    public static Seq<string> Validate(string? name, string? pidFile, TimeSpan shutdownTimeout)
    {
        var problems = Seq<string>();
        if (string.IsNullOrWhiteSpace(name))
            problems = problems.Add("Name is empty: give the daemon a name, e.g. \"my-service\".");
        if (string.IsNullOrWhiteSpace(pidFile))
            problems = problems.Add("PidFile is empty: pass a path, e.g. DaemonPaths.GetLockPath(\"my-service\").");
        else if (pidFile.Contains('\0', StringComparison.Ordinal))
            problems = problems.Add("PidFile contains a NUL character.");
        if (shutdownTimeout <= TimeSpan.Zero)
            problems = problems.Add($"ShutdownTimeout is {shutdownTimeout}; it must be positive (default 5 s).");
        else if (shutdownTimeout > TimeSpan.FromDays(1))
            problems = problems.Add($"ShutdownTimeout is {shutdownTimeout}; use at most one day.");
        return problems;
    }

    /// <summary>Problems with IPC server options; empty when they are valid.</summary>
    public static Seq<string> ValidateIpcServer(int maxLineBytes, int maxConcurrentRequestsPerConnection, int? maxConnections, TimeSpan closeTimeout, int collectAfterClosedConnections)
    {
        var problems = Seq<string>();
        if (maxLineBytes < 64)
            problems = problems.Add($"MaxLineBytes is {maxLineBytes}; use at least 64 bytes (default 4 MiB).");
        if (maxConcurrentRequestsPerConnection < 1)
            problems = problems.Add($"MaxConcurrentRequestsPerConnection is {maxConcurrentRequestsPerConnection}; use at least 1.");
        if (collectAfterClosedConnections < 0)
            problems = problems.Add($"CollectAfterClosedConnections is {collectAfterClosedConnections}; use 0 (off) or more.");
        if (maxConnections is < 1)
            problems = problems.Add($"MaxConnections is {maxConnections}; use at least 1, or null for the automatic limit.");
        if (closeTimeout < TimeSpan.Zero)
            problems = problems.Add($"CloseTimeout is {closeTimeout}; it must not be negative.");
        return problems;
    }

    /// <summary>Problems with systemd options; empty when they are valid.</summary>
    public static Seq<string> ValidateSystemd(TimeSpan statusInterval) =>
        statusInterval <= TimeSpan.Zero
            ? Seq1($"StatusInterval is {statusInterval}; it must be positive (default 10 s).")
            : Seq<string>();

    /// <summary>The longest idle timeout the options and the tool accept.</summary>
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromDays(365);

    /// <summary>Problems with the idle exit and process watch options; empty when they are valid.</summary>
    public static Seq<string> ValidateIdle(TimeSpan? idleTimeout, int? exitWithPid)
    {
        var problems = Seq<string>();
        if (idleTimeout is { } idle && idle <= TimeSpan.Zero)
            problems = problems.Add($"IdleTimeout is {idle}; it must be positive, or null to never stop when idle.");
        else if (idleTimeout > MaxIdleTimeout)
            problems = problems.Add($"IdleTimeout is {idleTimeout}; use at most 365 days, or null to never stop when idle.");
        if (exitWithPid is < 1)
            problems = problems.Add($"ExitWithPid is {exitWithPid}; give the PID of a process (at least 1), or null.");
        return problems;
    }

    /// <summary>Prefixes each problem with the name of the options property it came from, e.g. <c>Ipc.</c>.</summary>
    public static Seq<string> Nested(string property, Seq<string> problems) => problems.Map(p => $"{property}.{p}");

    /// <summary>The one message for invalid options: what was invalid, then every problem.</summary>
    public static string Describe(string what, Seq<string> problems) =>
        $"Invalid {what} options: " + string.Join(" ", problems);
}
