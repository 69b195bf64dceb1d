using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Outfitter.Daemon.Adapters.Signals;

/// <summary>
/// Undoes an inherited "ignore" on the stop signals. The .NET runtime installs its signal handler for a registered signal
/// unless the signal was ignored when the process started; then it records "installed" and never looks again. We give
/// such a signal the runtime's own handler (copied from a stop signal it did install), so the runtime dispatches it to
/// our <see cref="PosixSignalRegistration"/> like any other. <c>struct sigaction</c> is copied whole, uninterpreted,
/// through a buffer larger than any libc's layout; only its first field (the handler, at offset 0 on glibc, musl and
/// macOS) is read, to recognise <c>SIG_IGN</c> and <c>SIG_DFL</c>.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static unsafe partial class IgnoredSignals
{
    private const int SIGINT = 2;
    private const int SIGQUIT = 3;
    private const int SIGTERM = 15;
    private const int SIGWINCH = 28;
    private const int ActionBufferSize = 512;
    private static readonly nint SigDfl = 0;
    private static readonly nint SigIgn = 1;
    private static readonly object Gate = new();
    private static PosixSignalRegistration? _donorRegistration;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sigaction(int signal, byte* action, byte* oldAction);

    /// <summary>Points SIGINT and SIGQUIT at the runtime's handler when they are ignored. Idempotent.</summary>
    internal static void Unignore()
    {
        lock (Gate)
        {
            var ignored = new[] { SIGINT, SIGQUIT, SIGTERM }.Where(s => Handler(s) == SigIgn).ToList();
            if (ignored.Count == 0)
                return;

            var donor = new[] { SIGTERM, SIGINT, SIGQUIT }.FirstOrDefault(IsRuntimeHandler);
            if (donor == 0)
            {
                // All three were ignored: have the runtime install its handler on a harmless signal whose default is
                // to be ignored anyway, and borrow it from there.
                _donorRegistration ??= PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => { });
                donor = IsRuntimeHandler(SIGWINCH) ? SIGWINCH : 0;
            }

            if (donor == 0)
                return;
            var buffer = stackalloc byte[ActionBufferSize];
            new Span<byte>(buffer, ActionBufferSize).Clear();
            if (sigaction(donor, null, buffer) != 0)
                return;
            foreach (var signal in ignored)
                sigaction(signal, buffer, null);
        }
    }

    private static bool IsRuntimeHandler(int signal)
    {
        var handler = Handler(signal);
        return handler != SigIgn && handler != SigDfl && handler != -1;
    }

    private static nint Handler(int signal)
    {
        var buffer = stackalloc byte[ActionBufferSize];
        new Span<byte>(buffer, ActionBufferSize).Clear();
        return sigaction(signal, null, buffer) == 0 ? *(nint*)buffer : -1;
    }
}
