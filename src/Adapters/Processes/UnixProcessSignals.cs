using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>
/// Signals one identified process on Linux and macOS. On Linux (x86-64, arm64) it opens a pidfd first
/// (<c>pidfd_open</c>), re-reads the start time from <c>/proc/&lt;pid&gt;/stat</c>, and signals through the pidfd
/// (<c>pidfd_send_signal</c>): the descriptor pins the process it was opened on, so a process whose start time matched
/// cannot be replaced by a reused PID between the check and the signal. Where pidfds are unavailable (old kernels,
/// macOS), it checks the start time and then calls <c>kill(2)</c>, which leaves a window of microseconds. Thread-safe.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixProcessSignals : IProcessSignals
{
    private const int SIGTERM = 15;
    private const int SIGKILL = 9;
    private readonly UnixProcessTable _table = new();

    /// <inheritdoc />
    public Fin<SignalDelivery> Send(ProcessIdentity target, ProcessSignal signal)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Pid <= 0 || target.Pid == Environment.ProcessId)
            return SignalDelivery.NotThatProcess;
        var number = signal == ProcessSignal.Kill ? SIGKILL : SIGTERM;
        if (OperatingSystem.IsLinux() && LinuxPidfd.Supported)
        {
            var viaPidfd = SendThroughPidfd(target, number);
            if (viaPidfd.IsSome)
                return (Fin<SignalDelivery>)viaPidfd;
        }

        return CheckThenKill(target, number);
    }

    [SupportedOSPlatform("linux")]
    private Option<Fin<SignalDelivery>> SendThroughPidfd(ProcessIdentity target, int number)
    {
        var fd = LinuxPidfd.Open(target.Pid);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ESRCH ? Some(FinSucc(SignalDelivery.Gone))
                : errno == Libc.EPERM ? Some(Fin<SignalDelivery>.Fail(OsErrors.PermissionDenied($"pidfd_open({target.Pid}): {Libc.Describe(errno)}")))
                : None; // ENOSYS (no pidfds), EINVAL, EMFILE…: fall back to kill(2).
        }

        try
        {
            var check = Verify(target);
            if (check != SignalDelivery.Delivered)
                return Some(FinSucc(check));
            if (LinuxPidfd.SendSignal(fd, number) == 0)
                return Some(FinSucc(SignalDelivery.Delivered));
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ESRCH ? Some(FinSucc(SignalDelivery.Gone)) // exited after the check: the pidfd kept the PID from meaning anyone else
                : errno == Libc.EPERM ? Some(Fin<SignalDelivery>.Fail(OsErrors.PermissionDenied($"pidfd_send_signal({target.Pid}): {Libc.Describe(errno)}")))
                : errno == LinuxPidfd.ENOSYS ? None
                : Some(Fin<SignalDelivery>.Fail(OsErrors.Io($"pidfd_send_signal({target.Pid}): {Libc.Describe(errno)}")));
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private Fin<SignalDelivery> CheckThenKill(ProcessIdentity target, int number)
    {
        var check = Verify(target);
        if (check != SignalDelivery.Delivered)
            return check;
        if (Libc.kill(target.Pid, number) == 0)
            return SignalDelivery.Delivered;
        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.ESRCH ? SignalDelivery.Gone
            : errno == Libc.EPERM ? Fin<SignalDelivery>.Fail(OsErrors.PermissionDenied($"kill({target.Pid}): {Libc.Describe(errno)}"))
            : Fin<SignalDelivery>.Fail(OsErrors.Io($"kill({target.Pid}): {Libc.Describe(errno)}"));
    }

    /// <summary>Delivered means "still the target" (the core's last check, on what the process table says now).</summary>
    private SignalDelivery Verify(ProcessIdentity target) => StopDecisions.Recheck(target, _table.Inspect(target.Pid));
}

/// <summary>pidfd system calls through <c>syscall(2)</c>, so no particular glibc version is needed.</summary>
[SupportedOSPlatform("linux")]
internal static partial class LinuxPidfd
{
    internal const int ENOSYS = 38;

    // The same numbers on x86-64 and arm64 (and every architecture since the 5.x unified numbering); other architectures fall back.
    private const long SysPidfdSendSignal = 424;
    private const long SysPidfdOpen = 434;

    internal static bool Supported =>
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>A pidfd for <paramref name="pid"/>, or -1 with errno set.</summary>
    internal static int Open(int pid) => (int)syscall(SysPidfdOpen, pid, 0, 0, 0);

    /// <summary>0, or -1 with errno set.</summary>
    internal static int SendSignal(int pidfd, int signal) => (int)syscall(SysPidfdSendSignal, pidfd, signal, 0, 0);

    // syscall(2) is variadic in C; glibc and musl implement it by moving integer registers, so fixed long arguments are safe.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a1, long a2, long a3, long a4);
}
