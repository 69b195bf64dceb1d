using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The log options of <c>run</c> and <c>start</c> (<c>--log-file</c>, <c>--log-format</c>, <c>--log-level</c>,
/// <c>--log-max-size</c>, <c>--log-files</c>), validated once into <see cref="DaemonFileLogOptions"/>, and the
/// arguments that hand them on to a daemon that <c>start</c> launches.
/// </summary>
internal static class LogSettings
{
    private static readonly string[] Passed = ["--log-format", "--log-level", "--log-max-size", "--log-files"];

    /// <summary>The file log of <paramref name="line"/> writing to <paramref name="path"/>, or what is wrong with its options.</summary>
    internal static (DaemonFileLogOptions? Options, string? Error) From(CommandLine line, string path)
    {
        var options = new DaemonFileLogOptions
        {
            Path = path,
            Format = line.Value("--log-format") == "json" ? DaemonFileLogFormat.Json : DaemonFileLogFormat.Text,
            MinimumLevel = Level(line.Value("--log-level") ?? "information"),
        };
        if (line.Value("--log-max-size") is { } size)
        {
            if (ParseSize(size) is not { } bytes)
                return (null, $"--log-max-size takes a size in bytes, with K, M or G for KiB, MiB, GiB (e.g. 10M; got \"{size}\").");
            options.MaxFileSizeBytes = bytes;
        }

        if (line.Value("--log-files") is { } files)
        {
            if (!int.TryParse(files, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                return (null, $"--log-files takes a number of files, e.g. 3 (got \"{files}\").");
            options.MaxFiles = count;
        }

        var problems = options.Validate();
        return problems.Count == 0 ? (options, null) : (null, string.Join(" ", problems));
    }

    /// <summary>The log options given to <c>start</c>, to hand on to the <c>run</c> it launches.</summary>
    internal static IEnumerable<string> Arguments(CommandLine line) =>
        Passed.Where(line.Has).SelectMany(option => new[] { option, line.Value(option)! });

    /// <summary><c>10M</c> → 10 MiB; <c>512K</c>, <c>1G</c>, plain bytes; null when it is not a size.</summary>
    internal static long? ParseSize(string text)
    {
        var (digits, factor) = text.Length > 0 && char.ToUpperInvariant(text[^1]) is var unit && unit is 'K' or 'M' or 'G'
            ? (text[..^1], unit switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 })
            : (text, 1L);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= long.MaxValue / factor
            ? value * factor
            : null;
    }

    private static LogLevel Level(string name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => LogLevel.Information,
    };
}
