using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.Core.Clients;

/// <summary>Compares a daemon's hello answer with what a client expects (pure).</summary>
internal static class DaemonMatch
{
    /// <summary>
    /// Null when the daemon is what <paramref name="expected"/> asks for; otherwise a sentence saying how it differs. A
    /// protocol-1 daemon says nothing about itself, so it matches only an expectation that asks nothing: with an
    /// expectation it differs (a daemon from before the handshake is exactly the one an upgrade must replace).
    /// </summary>
    public static string? Mismatch(DaemonExpectation expected, ServerHello hello)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(hello);
        if (!expected.ExpectsAnything)
            return null;
        if (hello.Protocol < ProtocolExtensions.Protocol)
            return "the running daemon does not answer the hello handshake (protocol 1), so its version is unknown";
        var differences = new List<string>(3);
        Compare("version", expected.Version, hello.Version, differences);
        Compare("build", expected.Build, hello.Build, differences);
        Compare("options hash", expected.OptionsHash, hello.OptionsHash, differences);
        return differences.Count == 0 ? null : "the running daemon" + (hello.Pid is { } pid ? $" (PID {pid})" : "") + " has " + string.Join(", ", differences);
    }

    private static void Compare(string what, string? expected, string? actual, List<string> differences)
    {
        if (expected is not null && !string.Equals(expected, actual, StringComparison.Ordinal))
            differences.Add($"{what} {(actual is null ? "(none)" : $"\"{actual}\"")}, expected \"{expected}\"");
    }
}
