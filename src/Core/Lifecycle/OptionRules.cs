using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>Pure validation of daemon options: every problem, each saying what to fix.</summary>
public static class OptionRules
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
}
