using System.Diagnostics;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>
/// Ends one identified process on Windows: the process handle is opened first and its start time compared, so the kill
/// goes to the process that was checked (a handle pins the process as a pidfd does). Both signals kill, as there is no
/// polite equivalent for a console-less daemon. Not exercised by CI (Linux only). Thread-safe.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsProcessSignals : IProcessSignals
{
    /// <inheritdoc />
    public Fin<SignalDelivery> Send(ProcessIdentity target, ProcessSignal signal)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Pid <= 0 || target.Pid == Environment.ProcessId)
            return SignalDelivery.NotThatProcess;
        try
        {
            using var process = Process.GetProcessById(target.Pid);
            var now = process.HasExited
                ? (ProcessStatus)new ProcessStatus.Dead()
                : new ProcessStatus.Alive(Prelude.Some((ulong)process.StartTime.ToUniversalTime().Ticks));
            var check = StopDecisions.Recheck(target, now);
            if (check != SignalDelivery.Delivered)
                return check;
            process.Kill();
            return SignalDelivery.Delivered;
        }
        catch (ArgumentException)
        {
            return SignalDelivery.Gone;
        }
        catch (InvalidOperationException)
        {
            return SignalDelivery.Gone;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return Fin<SignalDelivery>.Fail(OsErrors.PermissionDenied($"Cannot end process {target.Pid}: {e.Message}"));
        }
    }
}
