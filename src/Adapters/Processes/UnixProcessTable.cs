using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>
/// The process table on Linux and macOS: liveness from <c>kill(pid, 0)</c> (EPERM counts as alive, as in the reference);
/// start times from <c>/proc/&lt;pid&gt;/stat</c> field 22 on Linux, from the process API elsewhere. A zombie (exited,
/// not yet reaped) counts as dead: it holds no locks and will never release anything. Thread-safe.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixProcessTable : IProcessTable
{
    private readonly Lazy<ProcessIdentity> _current;

    /// <summary>Creates the process table for the current process.</summary>
    public UnixProcessTable() =>
        _current = new Lazy<ProcessIdentity>(() => new ProcessIdentity(Environment.ProcessId, StartTime(Environment.ProcessId).MatchUnsafe(st => (ulong?)st, () => null)));

    /// <inheritdoc />
    public ProcessIdentity Current => _current.Value;

    /// <inheritdoc />
    public ProcessStatus Inspect(int pid)
    {
        if (pid <= 0)
            return new ProcessStatus.Dead();
        if (Libc.kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() != Libc.EPERM)
            return new ProcessStatus.Dead();
        if (OperatingSystem.IsLinux())
        {
            var stat = LinuxProcStat.Read(pid);
            if (stat.Map(s => s.IsZombie).IfNone(false))
                return new ProcessStatus.Dead();
            return new ProcessStatus.Alive(stat.Map(s => s.StartTime));
        }

        return new ProcessStatus.Alive(StartTime(pid));
    }

    /// <inheritdoc />
    public Option<int> ParentPid() => Some(Libc.getppid());

    /// <summary>Whether <paramref name="pid"/> exists (EPERM: it exists but is not ours). False for pid ≤ 0.</summary>
    public bool IsAlive(int pid) => Inspect(pid) is ProcessStatus.Alive;

    private static Option<ulong> StartTime(int pid)
    {
        if (OperatingSystem.IsLinux())
            return LinuxProcStat.Read(pid).Map(s => s.StartTime);
        try
        {
            using var process = Process.GetProcessById(pid);
            return Some((ulong)process.StartTime.ToUniversalTime().Ticks);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return None;
        }
    }
}

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> we use.</summary>
internal readonly record struct LinuxProcStat(char State, ulong StartTime)
{
    internal bool IsZombie => State is 'Z' or 'X' or 'x';

    internal static Option<LinuxProcStat> Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return None;
        }

        return Parse(text);
    }

    /// <summary>Parses the stat line. The command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    internal static Option<LinuxProcStat> Parse(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
            return None;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.Length < 20 || fields[0].Length != 1)
            return None;
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? Some(new LinuxProcStat(fields[0][0], start))
            : None;
    }
}
