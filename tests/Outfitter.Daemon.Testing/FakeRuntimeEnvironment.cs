using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Testing;

/// <summary>A runtime environment that reports fixed facts; change <see cref="Facts"/> to simulate another machine.</summary>
public sealed class FakeRuntimeEnvironment(RuntimeFacts facts) : IRuntimeEnvironment
{
    /// <summary>The facts every <see cref="Observe"/> returns.</summary>
    public RuntimeFacts Facts { get; set; } = facts;

    /// <inheritdoc />
    public RuntimeFacts Observe() => Facts;
}
