namespace Outfitter.Daemon.Tool;

/// <summary>
/// Shell completion scripts. Each asks the tool itself, as you type, with the System.CommandLine <c>[suggest]</c>
/// directive: <c>outfitter-daemon "[suggest]" stop --fo</c> prints one completion a line (commands, options, option
/// values) for the last word, given the words before it. The command the user typed (a path, say) is the one asked.
/// </summary>
internal static class Completion
{
    /// <summary>The script for <paramref name="shell"/>, or null for a shell we have none for.</summary>
    internal static string? ScriptFor(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "fish" => Fish,
        "pwsh" or "powershell" => Pwsh,
        _ => null,
    };

    private const string Bash = """
        # outfitter-daemon completion for bash. Install: outfitter-daemon completion bash >> ~/.bashrc
        _outfitter_daemon_complete() {
            local IFS=$'\n'
            COMPREPLY=($("${COMP_WORDS[0]}" "[suggest]" "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
        }
        complete -o default -F _outfitter_daemon_complete outfitter-daemon

        """;

    private const string Zsh = """
        # outfitter-daemon completion for zsh (with compinit loaded). Install: outfitter-daemon completion zsh >> ~/.zshrc
        _outfitter_daemon() {
            local -a completions
            completions=("${(@f)$("${words[1]}" "[suggest]" "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            compadd -Q -a completions
        }
        compdef _outfitter_daemon outfitter-daemon

        """;

    private const string Fish = """
        # outfitter-daemon completion for fish. Install: outfitter-daemon completion fish > ~/.config/fish/completions/outfitter-daemon.fish
        function __outfitter_daemon_complete
            set -l words (commandline -opc)
            $words[1] "[suggest]" $words[2..-1] (commandline -ct) 2>/dev/null
        end
        complete -c outfitter-daemon -f -a '(__outfitter_daemon_complete)'

        """;

    private const string Pwsh = """
        # outfitter-daemon completion for PowerShell. Install: outfitter-daemon completion pwsh >> $PROFILE
        Register-ArgumentCompleter -Native -CommandName outfitter-daemon -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $elements = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition })
            $words = @($elements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
            if ($wordToComplete -eq '') { $words += '' }
            & $elements[0].ToString() '[suggest]' @words 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
