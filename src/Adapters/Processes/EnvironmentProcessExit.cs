using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>Ends the process with <see cref="Environment.Exit(int)"/>.</summary>
internal sealed class EnvironmentProcessExit : IProcessExit
{
    /// <inheritdoc />
    public void Exit(int code) => Environment.Exit(code);
}
