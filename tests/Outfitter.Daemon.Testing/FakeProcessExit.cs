using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Testing;

/// <summary>Records exit requests instead of ending the test process; <see cref="Exited"/> completes with the first code.</summary>
public sealed class FakeProcessExit : IProcessExit
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _codes = [];

    /// <summary>Completes with the first exit code requested.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Every exit code requested, in order.</summary>
    public IReadOnlyList<int> Codes
    {
        get
        {
            lock (_codes)
                return [.. _codes];
        }
    }

    /// <inheritdoc />
    void IProcessExit.Exit(int code)
    {
        lock (_codes)
            _codes.Add(code);
        _exited.TrySetResult(code);
    }
}
