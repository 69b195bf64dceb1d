using System.Runtime.InteropServices;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Adapters.Signals;

/// <summary>
/// Stop signals through <see cref="PosixSignalRegistration"/>: SIGTERM, SIGINT and SIGQUIT are cancelled (so the runtime
/// does not terminate the process) and handed to the subscriber. A process started in the background by a shell
/// (<c>&amp;</c>, <c>nohup</c>) inherits SIGINT and SIGQUIT as ignored, and .NET respects that, so a registration alone
/// would never see them; <see cref="IgnoredSignals"/> points those signals at the runtime's handler. See
/// docs/adr/0003-lifecycle-and-signals.md. Thread-safe.
/// </summary>
internal sealed class PosixSignals : ISignalSource
{
    private static readonly (PosixSignal Posix, StopSignal Stop)[] StopSignals =
    [
        (PosixSignal.SIGTERM, StopSignal.Terminate),
        (PosixSignal.SIGINT, StopSignal.Interrupt),
        (PosixSignal.SIGQUIT, StopSignal.Quit),
    ];

    /// <inheritdoc />
    public IDisposable Subscribe(Action<StopSignal> onSignal)
    {
        ArgumentNullException.ThrowIfNull(onSignal);
        var registrations = StopSignals
            .Select(s => PosixSignalRegistration.Create(s.Posix, context =>
            {
                context.Cancel = true;
                onSignal(s.Stop);
            }))
            .ToList();
        if (!OperatingSystem.IsWindows())
            IgnoredSignals.Unignore();
        return new Subscription(registrations);
    }

    private sealed class Subscription(List<PosixSignalRegistration> registrations) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                registrations.ForEach(r => r.Dispose());
        }
    }
}
