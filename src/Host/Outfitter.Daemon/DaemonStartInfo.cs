namespace Outfitter.Daemon;

/// <summary>How to start a daemon in the background: the program, its arguments, and where its output goes.</summary>
/// <param name="FileName">The program (for a .NET daemon, usually <see cref="Environment.ProcessPath"/>).</param>
/// <param name="Arguments">Its arguments, passed as they are (no shell parsing).</param>
public sealed record DaemonStartInfo(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Where stdout and stderr go (appended); default <c>&lt;daemon dir&gt;/daemon.log</c>.</summary>
    public string? LogPath { get; init; }

    /// <summary>The working directory; default the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables for the daemon (null values remove a variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// This same program started again with <paramref name="arguments"/> (apphost, or dotnet plus the entry dll), as the
    /// composition root's launcher (<see cref="Core.Ports.IDaemonLauncher.ThisProgram"/>) tells.
    /// </summary>
    /// <exception cref="InvalidOperationException">It cannot be told where this program lives.</exception>
    public static DaemonStartInfo ThisProgram(params string[] arguments) =>
        Composition.OsPorts.Current.Launcher.ThisProgram().Match(
            Succ: program => new DaemonStartInfo(program.FileName, [.. program.LeadingArguments, .. arguments]),
            Fail: error => throw new InvalidOperationException(error.Message));
}
