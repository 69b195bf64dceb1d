using System.CommandLine;
using System.CommandLine.Parsing;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Tool;

/// <summary>A parsed command line: the command, its positional arguments and its options. Immutable.</summary>
/// <param name="Command">The command (<c>run</c>, <c>status</c>, …).</param>
/// <param name="Positionals">Its arguments, in order (the payload of <c>send</c>, the shell of <c>completion</c>, the command of <c>help</c>).</param>
/// <param name="Options">The options given, by their long name (<c>--name</c> → value; flags → null).</param>
public sealed record CommandLine(string Command, IReadOnlyList<string> Positionals, IReadOnlyDictionary<string, string?> Options)
{
    /// <summary>Whether the flag or option is present.</summary>
    public bool Has(string option) => Options.ContainsKey(option);

    /// <summary>The value of an option, if given.</summary>
    public string? Value(string option) => Options.TryGetValue(option, out var value) ? value : null;

    /// <summary>True for <c>--json</c>.</summary>
    public bool Json => Has("--json");

    /// <summary>
    /// The <c>--timeout</c> value, up to a day: a number of seconds (fractions allowed) or a duration (<c>500ms</c>,
    /// <c>2m</c>; <see cref="DurationText"/>), or <paramref name="fallback"/>.
    /// </summary>
    public (TimeSpan Timeout, string? Error) Timeout(TimeSpan fallback)
    {
        var text = Value("--timeout");
        if (text is null)
            return (fallback, null);
        var parsed = DurationText.Parse(text, TimeSpan.FromDays(1));
        return parsed.IsRight
            ? (parsed.Match(Right: t => t, Left: _ => fallback), null)
            : (fallback, $"--timeout takes a number of seconds or a duration, e.g. --timeout 10 or --timeout 2m (got \"{text}\").");
    }

    /// <summary>Parses <paramref name="args"/> with <see cref="CommandTree"/>: a command line, or what to do instead.</summary>
    public static Parsed Parse(IReadOnlyList<string> args) => CommandTree.Parse(args);

    /// <summary>The command line of <paramref name="args"/>, which must be a valid command (the demo's own steps).</summary>
    internal static CommandLine Of(params string[] args) =>
        Parse(args) is Parsed.Run run ? run.Line : throw new ArgumentException($"Not a command line: {string.Join(' ', args)}", nameof(args));
}

/// <summary>What a command line asks for.</summary>
public abstract record Parsed
{
    private Parsed()
    {
    }

    /// <summary>A command to run.</summary>
    public sealed record Run(CommandLine Line) : Parsed;

    /// <summary>Usage text to print (<c>--help</c>, <c>help</c>, or no arguments at all, which is a usage error).</summary>
    public sealed record Usage(string Text, bool IsError) : Parsed;

    /// <summary><c>--version</c> or <c>version</c>.</summary>
    public sealed record Version : Parsed;

    /// <summary>A shell asking for completions (the <c>[suggest:N]</c> directive the completion scripts use).</summary>
    public sealed record Complete(ParseResult Result) : Parsed;

    /// <summary>A bad command line: what is wrong, the likely intended words, and whether JSON was asked for.</summary>
    public sealed record Error(string Message, IReadOnlyList<string> Suggestions, bool Json) : Parsed;
}
