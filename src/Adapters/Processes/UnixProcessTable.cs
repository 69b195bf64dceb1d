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
    /// <summary>
    /// How much of the file is read: field 22 ends within the first ~450 bytes (a command name of at most 15 bytes in
    /// parentheses, then numbers of at most 20 digits).
    /// </summary>
    private const int ReadBytes = 1024;

    internal bool IsZombie => State is 'Z' or 'X' or 'x';

    /// <summary>
    /// Reads the file into a stack buffer (no stream, reader or strings): a watched process (<c>ExitWithPid</c>) is
    /// inspected every second for as long as the daemon runs, and an idle daemon must not grow its heap doing so.
    /// </summary>
    internal static Option<LinuxProcStat> Read(int pid)
    {
        Span<byte> buffer = stackalloc byte[ReadBytes];
        int length;
        try
        {
            using var handle = File.OpenHandle($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return None;
        }

        return Parse(buffer[..length]);
    }

    /// <summary>Parses the stat line. The command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    internal static Option<LinuxProcStat> Parse(ReadOnlySpan<byte> text)
    {
        var close = text.LastIndexOf((byte)')');
        if (close < 0)
            return None;
        var rest = text[(close + 1)..];
        var state = '\0';

        // Field 3 (state) is the first after the name; field 22 (starttime) the twentieth.
        for (var index = 0; ; index++)
        {
            rest = rest.TrimStart((byte)' ');
            var end = rest.IndexOfAny((byte)' ', (byte)'\n');
            var field = end < 0 ? rest : rest[..end];
            if (field.IsEmpty)
                return None;
            if (index == 0)
            {
                if (field.Length != 1)
                    return None;
                state = (char)field[0];
            }
            else if (index == 19)
            {
                return Digits(field) is { } start ? Some(new LinuxProcStat(state, start)) : None;
            }

            if (end < 0)
                return None;
            rest = rest[(end + 1)..];
        }
    }

    /// <summary>Plain decimal digits as a <see cref="ulong"/>; null for anything else, or on overflow.</summary>
    private static ulong? Digits(ReadOnlySpan<byte> field)
    {
        ulong value = 0;
        foreach (var b in field)
        {
            if (b is < (byte)'0' or > (byte)'9' || value > (ulong.MaxValue - (ulong)(b - '0')) / 10)
                return null;
            value = value * 10 + (ulong)(b - '0');
        }

        return value;
    }
}
