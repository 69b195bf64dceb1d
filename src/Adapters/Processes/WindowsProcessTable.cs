using System.Diagnostics;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>The process table on Windows, through the process API. Not exercised by CI (Linux only). Thread-safe.</summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsProcessTable : IProcessTable
{
    private readonly Lazy<ProcessIdentity> _current =
        new(() => new ProcessIdentity(Environment.ProcessId, Probe(Environment.ProcessId).Bind(x => x).MatchUnsafe(st => (ulong?)st, () => null)));

    /// <inheritdoc />
    public ProcessIdentity Current => _current.Value;

    /// <inheritdoc />
    public ProcessStatus Inspect(int pid) =>
        Probe(pid).Match(
            Some: start => (ProcessStatus)new ProcessStatus.Alive(start),
            None: () => new ProcessStatus.Dead());

    /// <inheritdoc />
    public Option<int> ParentPid() => Ntdll.ParentProcessId();

    /// <summary>None when dead; Some(start time, if readable) when alive.</summary>
    private static Option<Option<ulong>> Probe(int pid)
    {
        if (pid <= 0)
            return None;
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
                return None;
            try
            {
                return Some(Some((ulong)process.StartTime.ToUniversalTime().Ticks));
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Alive but not ours to inspect (access denied): the reference counts that as alive too.
                return Some(Option<ulong>.None);
            }
        }
        catch (ArgumentException)
        {
            return None;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return Some(Option<ulong>.None);
        }
    }
}
