using Outfitter.Daemon.Core.Paths;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>Port: the facts path resolution needs (platform, variables, user id, temp dir). Thread-safe.</summary>
public interface IRuntimeEnvironment
{
    /// <summary>Observes the current facts; each call reads them afresh.</summary>
    RuntimeFacts Observe();
}
