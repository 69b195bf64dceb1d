using System.Globalization;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The options of <c>run</c> and <c>start</c> that end a daemon nobody needs (<c>--idle-timeout DURATION</c>,
/// <c>--exit-with-pid PID</c>), validated once into the values of <see cref="Hosting.DaemonHostOptions"/>, and the
/// arguments that hand them on to the daemon <c>start</c> launches.
/// </summary>
internal static class LifetimeSettings
{
    /// <summary>The longest idle timeout, as <see cref="Hosting.DaemonHostOptions.IdleTimeout"/> accepts it.</summary>
    private static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromDays(365);

    private static readonly string[] Passed = ["--idle-timeout", "--exit-with-pid"];

    /// <summary>The idle timeout and the PID to watch that <paramref name="line"/> gives (null: none), or what is wrong with them.</summary>
    internal static (TimeSpan? IdleTimeout, int? ExitWithPid, string? Error) From(CommandLine line)
    {
        TimeSpan? idleTimeout = null;
        if (line.Value("--idle-timeout") is { } text)
        {
            var parsed = DurationText.Parse(text, MaxIdleTimeout);
            if (parsed.IsLeft)
            {
                var problem = parsed.Match(Right: _ => "", Left: p => p);
                return (null, null, $"--idle-timeout takes a duration such as 15m, 30s, 2s or 500ms (got \"{text}\": {problem}).");
            }

            idleTimeout = parsed.Match(Right: d => d, Left: _ => TimeSpan.Zero);
        }

        int? exitWithPid = null;
        if (line.Value("--exit-with-pid") is { } pidText)
        {
            if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid < 1)
                return (null, null, $"--exit-with-pid takes the PID of a process, e.g. --exit-with-pid 4242 (got \"{pidText}\").");
            exitWithPid = pid;
        }

        return (idleTimeout, exitWithPid, null);
    }

    /// <summary>The options given to <c>start</c>, to hand on to the <c>run</c> it launches.</summary>
    internal static IEnumerable<string> Arguments(CommandLine line) =>
        Passed.Where(line.Has).SelectMany(option => new[] { option, line.Value(option)! });
}
