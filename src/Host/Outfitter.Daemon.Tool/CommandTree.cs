using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The tool's commands and options as a System.CommandLine tree: POSIX and GNU conventions (<c>--opt value</c>,
/// <c>--opt=value</c>, short aliases, options before or after the command), shell completions through the
/// <c>[suggest]</c> directive, and our own messages, exit codes and usage texts (<see cref="Help"/>) on top.
/// docs/adr/0015-the-tools-command-line.md.
/// </summary>
internal static class CommandTree
{
    /// <summary>The log levels <c>--log-level</c> accepts, as Microsoft.Extensions.Logging names them (and info, warn). Declared first: the options below use it.</summary>
    internal static readonly string[] LogLevels = ["trace", "debug", "information", "info", "warning", "warn", "error", "critical", "none"];

    // Options every command that talks to a daemon takes; recursive, so they may come before the command too.
    private static readonly Option<string> Name = new("--name", "-n") { Recursive = true, HelpName = "NAME", Description = "The daemon's name (default outfitter-daemon)." };
    private static readonly Option<string> Socket = new("--socket", "-s") { Recursive = true, HelpName = "PATH", Description = "The daemon's socket (any daemon speaking the protocol)." };
    private static readonly Option<string> Timeout = new("--timeout", "-t") { Recursive = true, HelpName = "SECONDS", Description = "How long to wait for the daemon." };
    private static readonly Option<bool> Json = new("--json") { Recursive = true, Description = "Machine-readable output (and errors)." };
    private static readonly Option<bool> HelpFlag = new("--help", "-h") { Recursive = true, Description = "Show help." };
    private static readonly Option<bool> VersionFlag = new("--version") { Description = "Show the tool's version." };

    private static readonly Option<bool> Force = new("--force", "-f") { Description = "SIGKILL at the --timeout deadline." };
    private static readonly Option<bool> Follow = new("--follow", "-f") { Description = "Keep printing as the log grows." };
    private static readonly Option<string> Lines = new("--lines", "-n") { HelpName = "N", Description = "How many lines from the end (default 20)." };

    private static readonly Option<string> LogFile = new("--log-file") { HelpName = "PATH", Description = "Write the daemon's log to PATH (rotated)." };
    private static readonly Option<string> LogFormat = CreateLogFormat();
    private static readonly Option<string> LogLevel = CreateLogLevel();
    private static readonly Option<string> LogMaxSize = new("--log-max-size") { HelpName = "BYTES", Description = "Rotate the log at this size (e.g. 10M, 512K; default 10M)." };
    private static readonly Option<string> LogFiles = new("--log-files") { HelpName = "N", Description = "How many log files to keep, the current one included (default 3)." };

    private static readonly Option<bool> Replace = new("--replace") { Description = "Restart a running daemon whose version or build differs from this tool's." };
    private static readonly Option<string> IdleTimeout = new("--idle-timeout") { HelpName = "DURATION", Description = "Stop after this long with no connection, request or lease (e.g. 15m, 30s, 500ms)." };
    private static readonly Option<string> ExitWithPid = new("--exit-with-pid") { HelpName = "PID", Description = "Stop when the process PID exits." };

    /// <summary>The shells <c>completion</c> writes scripts for.</summary>
    internal static readonly string[] Shells = ["bash", "zsh", "fish", "pwsh"];

    private static readonly Option[] RootOptions = [Name, Socket, Timeout, Json, HelpFlag];

    /// <summary>Each command: its name, the options of its own, and the recursive ones it does not take.</summary>
    private static readonly (string Name, Option[] Own, Option[] NotTaken, bool TakesWords)[] Commands =
    [
        ("run", [LogFile, LogFormat, LogLevel, LogMaxSize, LogFiles, IdleTimeout, ExitWithPid], [Timeout, Json], false),
        ("start", [Replace, LogFormat, LogLevel, LogMaxSize, LogFiles, IdleTimeout, ExitWithPid], [], false),
        ("stop", [Force], [], false),
        ("status", [], [], false),
        ("health", [], [], false),
        ("ping", [], [], false),
        ("send", [], [], true),
        ("logs", [Follow, Lines], [Timeout, Json], false),
        ("demo", [], [Name, Socket, Timeout, Json], false),
        ("paths", [], [Timeout], false),
        ("version", [], [Name, Socket, Timeout], false),
        ("help", [], [Name, Socket, Timeout], true),
        ("completion", [], [Name, Socket, Timeout, Json], true),
    ];

    private static readonly RootCommand Root = Build();

    private static readonly SuggestDirective Suggest = Root.Directives.OfType<SuggestDirective>().Single();

    private static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null };

    /// <summary>The command names, in help order.</summary>
    internal static IEnumerable<string> CommandNames => Commands.Select(c => c.Name);

    /// <summary>Parses <paramref name="args"/>.</summary>
    internal static Parsed Parse(IReadOnlyList<string> args)
    {
        var result = Root.Parse(args, Configuration);
        var json = result.GetResult(Json) is { Implicit: false } || args.Contains("--json");
        if (result.GetResult(Suggest) is not null)
            return new Parsed.Complete(result);

        var command = result.CommandResult.Command;
        var isRoot = command == Root;
        if (result.GetResult(HelpFlag) is { Implicit: false })
            return new Parsed.Usage(isRoot ? Help.Overview : Help.For(command.Name) ?? Help.Overview, false);
        if (args.Count == 0)
            return new Parsed.Usage(Help.Overview, true);

        if (isRoot && result.UnmatchedTokens.Count == 0 && result.GetResult(VersionFlag) is { Implicit: false })
            return new Parsed.Version();
        if (isRoot && result.UnmatchedTokens.Count == 0)
            return new Parsed.Error("No command given. Run 'outfitter-daemon --help'.", [], json);
        if (result.Errors.Count > 0)
            return ErrorOf(result, command, isRoot, json);

        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var option in RootOptions.Concat(command.Options))
        {
            if (result.GetResult(option) is not { Implicit: false })
                continue;
            options[option.Name] = option is Option<string> text ? result.GetValue(text) : null;
        }

        var words = command.Arguments.Count > 0 && result.GetResult(command.Arguments[0]) is { } w ? w.Tokens.Select(t => t.Value).ToList() : [];
        return command.Name switch
        {
            "version" when words.Count == 0 => new Parsed.Version(),
            "help" => words.Count == 0 ? new Parsed.Usage(Help.Overview, false)
                : Help.For(words[0]) is { } usage && words.Count == 1 ? new Parsed.Usage(usage, false)
                : UnknownCommand(words[0], json),
            _ => new Parsed.Run(new CommandLine(command.Name, words, options)),
        };
    }

    /// <summary>
    /// The completions of the last word given after the <c>[suggest]</c> directive (what the completion scripts send).
    /// </summary>
    internal static IEnumerable<string> CompletionsFor(ParseResult result)
    {
        // Options only once a dash is typed (as git's and kubectl's completions do), and only those that fit.
        var word = result.GetCompletionContext().WordToComplete;
        return result.GetCompletions()
            .Select(c => c.Label)
            .Where(label => label.StartsWith(word, StringComparison.Ordinal) && (word.StartsWith('-') || !label.StartsWith('-')))
            .Distinct(StringComparer.Ordinal);
    }

    private static Parsed ErrorOf(ParseResult result, Command command, bool isRoot, bool json)
    {
        var error = ErrorOf(result, command, isRoot);
        var hint = isRoot ? "Run 'outfitter-daemon --help'." : $"Run 'outfitter-daemon {command.Name} --help'.";
        return new Parsed.Error($"{error.Message} {hint}", error.Suggestions, json);
    }

    private static (string Message, IReadOnlyList<string> Suggestions) ErrorOf(ParseResult result, Command command, bool isRoot)
    {
        // A value option at the end of the line, without its value.
        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is OptionResult { Tokens.Count: 0, Option: var option } && option.Arity.MinimumNumberOfValues > 0)
                return ($"{option.Name} needs a value.", []);
        }

        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                var known = TakenBy(command).SelectMany(o => o.Aliases.Prepend(o.Name));
                return Unknown(token, known, "option", isRoot ? null : command.Name);
            }

            return isRoot ? Unknown(token, CommandNames, "command") : ($"Unexpected argument \"{token}\" for {command.Name}.", []);
        }

        var first = result.Errors[0].Message;
        return (first.EndsWith('.') ? first : first + ".", []);
    }

    private static Parsed.Error UnknownCommand(string word, bool json)
    {
        var (message, suggestions) = Unknown(word, CommandNames, "command");
        return new Parsed.Error($"{message} Run 'outfitter-daemon --help'.", suggestions, json);
    }

    private static (string Message, IReadOnlyList<string> Suggestions) Unknown(string word, IEnumerable<string> known, string what, string? command = null)
    {
        var suggestions = Suggestions.For(word, known);
        var message = what == "command" ? $"Unknown command \"{word}\"." : $"Unknown option {word}{(command is null ? "" : " for " + command)}.";
        if (suggestions.Count > 0)
            message += $" Did you mean {string.Join(" or ", suggestions.Select(s => what == "command" ? $"\"{s}\"" : s))}?";
        return (message, suggestions);
    }

    /// <summary>The options <paramref name="command"/> accepts: its own and the recursive ones it takes.</summary>
    private static IEnumerable<Option> TakenBy(Command command)
    {
        var entry = Commands.FirstOrDefault(c => c.Name == command.Name);
        var notTaken = entry.NotTaken ?? [];
        return command.Options.Concat(RootOptions.Where(o => !notTaken.Contains(o)))
            .Concat(command == Root ? [VersionFlag] : []);
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("outfitter-daemon: run, start, stop and inspect background daemons.");

        // `--name --json` means a forgotten value, not a daemon called "--json"; `-5s` is a (negative) value, refused by the option's own check.
        foreach (var option in new[] { Name, Socket, Timeout, Lines, LogFile, LogFormat, LogLevel, LogMaxSize, LogFiles, IdleTimeout, ExitWithPid })
        {
            option.Validators.Add(optionResult =>
            {
                if (optionResult.Tokens is [{ Value: var value }] && value.StartsWith('-') && !(value.Length > 1 && char.IsAsciiDigit(value[1])))
                    optionResult.AddError($"{option.Name} needs a value.");
            });
        }

        // Our own --help and --version (the usage texts of Help, our exit codes); the [suggest] directive stays.
        root.Options.Clear();
        foreach (var option in RootOptions)
            root.Options.Add(option);
        root.Options.Add(VersionFlag);

        foreach (var (name, own, notTaken, takesWords) in Commands)
        {
            var command = new Command(name, Help.Summary(name));
            foreach (var option in own)
                command.Options.Add(option);
            if (takesWords)
            {
                var words = new Argument<string[]>(name == "send" ? "payload" : name == "help" ? "command" : "shell") { Arity = ArgumentArity.ZeroOrMore };
                if (name == "completion")
                    words.CompletionSources.Add(Shells);
                if (name == "help")
                    words.CompletionSources.Add(Commands.Select(c => c.Name).ToArray());
                command.Arguments.Add(words);
            }

            if (notTaken.Length > 0)
            {
                command.Validators.Add(commandResult =>
                {
                    foreach (var option in notTaken)
                    {
                        if (commandResult.GetResult(option) is { Implicit: false })
                            commandResult.AddError($"{name} does not take {option.Name}.");
                    }
                });
            }

            root.Subcommands.Add(command);
        }

        return root;
    }

    private static Option<string> CreateLogFormat()
    {
        var option = new Option<string>("--log-format") { HelpName = "text|json", Description = "The log's format: text lines (default) or JSON lines." };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    private static Option<string> CreateLogLevel()
    {
        var option = new Option<string>("--log-level") { HelpName = "LEVEL", Description = "The lowest level logged (default information)." };
        option.AcceptOnlyFromAmong(LogLevels);
        return option;
    }
}
