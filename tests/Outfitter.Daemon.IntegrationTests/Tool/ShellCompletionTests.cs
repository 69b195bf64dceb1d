using System.Diagnostics;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The completion scripts of <c>outfitter-daemon completion SHELL</c>, loaded into the real shell and asked for
/// completions the way the shell asks when TAB is pressed: bash's completion function with COMP_LINE/COMP_WORDS, zsh's
/// with words/CURRENT (compadd recorded), fish's <c>complete -C</c>, PowerShell's <c>TabExpansion2</c>. The tool is
/// on PATH as <c>outfitter-daemon</c>, as an installed tool is. zsh and fish come from Debian's packages and pwsh from
/// the PowerShell .NET tool; .ci/run installs them (set OUTFITTER_PWSH to a pwsh elsewhere).
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ShellCompletionTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDir _bin = new();

    public ShellCompletionTests()
    {
        var wrapper = _bin.Combine("outfitter-daemon");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec '{ToolRunner.DotnetHost}' '{Artifacts.ToolDll}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static TheoryData<string> Shells => new() { "bash", "zsh", "fish", "pwsh" };

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Commands_complete_from_their_first_letters(string shell) =>
        Assert.Equal(["start", "status", "stop"], await CompleteAsync(shell, "outfitter-daemon st"));

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Options_complete_for_their_command(string shell)
    {
        Assert.Equal(["--force"], await CompleteAsync(shell, "outfitter-daemon stop --fo"));
        Assert.DoesNotContain("--force", await CompleteAsync(shell, "outfitter-daemon status --"));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Argument_values_and_commands_after_options_complete(string shell)
    {
        Assert.Equal(["bash", "fish", "pwsh", "zsh"], await CompleteAsync(shell, "outfitter-daemon completion "));
        Assert.Equal(["start", "status"], await CompleteAsync(shell, "outfitter-daemon --name demo sta"));
    }

    public void Dispose() => _bin.Dispose();

    private async Task<string[]> CompleteAsync(string shell, string line)
    {
        var (program, args) = shell switch
        {
            "bash" => ("bash", new[] { "--norc", "--noprofile", "-c", """
                source <(outfitter-daemon completion bash) || exit 9
                complete -p outfitter-daemon >/dev/null || exit 8
                COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _outfitter_daemon_complete
                printf '%s\n' "${COMPREPLY[@]}"
                """ }),
            "zsh" => ("zsh", new[] { "-f", "-c", """
                registered=
                compdef() { registered="$*" }
                source <(outfitter-daemon completion zsh) || exit 9
                [[ $registered == "_outfitter_daemon outfitter-daemon" ]] || exit 8
                compadd() { local name=${@[-1]}; print -rl -- "${(@P)name}" }
                words=(${(z)LINE}); [[ $LINE == *' ' ]] && words+=('')
                CURRENT=${#words}
                _outfitter_daemon
                """ }),
            "fish" => ("fish", new[] { "--no-config", "-c", """
                outfitter-daemon completion fish | source; or exit 9
                complete -C "$LINE" | string replace -r '\t.*' ''
                true # string replace fails when no line had a description
                """ }),
            "pwsh" => (Pwsh(), new[] { "-NoProfile", "-NonInteractive", "-Command", """
                outfitter-daemon completion pwsh | Out-String | Invoke-Expression
                $line = $env:LINE
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText }
                """ }),
            _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "No such shell in this test."),
        };

        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["PATH"] = _bin.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["LINE"] = line;
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed ({e.Message}); .ci/run installs zsh and fish (apt-get install zsh fish) and pwsh (dotnet tool install PowerShell).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await Task.WhenAll(process.WaitForExitAsync(), stdout, stderr).WaitAsync(Deadline);
            Assert.True(process.ExitCode == 0, $"{shell} exited {process.ExitCode} completing \"{line}\".\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
            return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
        }
    }

    private static string Pwsh() =>
        Environment.GetEnvironmentVariable("OUTFITTER_PWSH") is { Length: > 0 } pwsh ? pwsh : "pwsh";
}
