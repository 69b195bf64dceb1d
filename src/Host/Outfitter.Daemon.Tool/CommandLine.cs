namespace Outfitter.Daemon.Tool;

/// <summary>A parsed command line: the command, its positional arguments and its options. Immutable.</summary>
/// <param name="Command">The first word (<c>run</c>, <c>status</c>, …).</param>
/// <param name="Positionals">Other words, in order.</param>
/// <param name="Options">Options by name (<c>--name</c> → value; flags → null).</param>
public sealed record CommandLine(string Command, IReadOnlyList<string> Positionals, IReadOnlyDictionary<string, string?> Options)
{
    private static readonly string[] ValueOptions = ["--name", "--socket", "--timeout"];
    private static readonly string[] Flags = ["--json", "--force", "--help", "-h"];

    /// <summary>Whether the flag or option is present.</summary>
    public bool Has(string option) => Options.ContainsKey(option);

    /// <summary>The value of an option, if given.</summary>
    public string? Value(string option) => Options.TryGetValue(option, out var value) ? value : null;

    /// <summary>True for <c>--json</c>.</summary>
    public bool Json => Has("--json");

    /// <summary>Parses <paramref name="args"/>; the error says what is wrong.</summary>
    public static (CommandLine? Line, string? Error) Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
            return (new CommandLine("help", [], new Dictionary<string, string?>()), null);
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (ValueOptions.Contains(arg))
            {
                if (i + 1 >= args.Count)
                    return (null, $"{arg} needs a value.");
                options[arg] = args[++i];
            }
            else if (Flags.Contains(arg))
            {
                options[arg == "-h" ? "--help" : arg] = null;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                return (null, $"Unknown option {arg}.");
            }
            else
            {
                positionals.Add(arg);
            }
        }

        var command = args[0] is "--help" or "-h" ? "help" : args[0];
        return (new CommandLine(command, positionals, options), null);
    }

    /// <summary>The <c>--timeout</c> value in seconds (fractions allowed), or <paramref name="fallback"/>.</summary>
    public (TimeSpan Timeout, string? Error) Timeout(TimeSpan fallback)
    {
        var text = Value("--timeout");
        if (text is null)
            return (fallback, null);
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < 86400
            ? (TimeSpan.FromSeconds(seconds), null)
            : (fallback, $"--timeout takes a number of seconds, e.g. --timeout 10 (got \"{text}\").");
    }
}
