using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Interop;

/// <summary>
/// The one ntdll call the process table needs: the parent's PID, which the Win32 process API does not give.
/// <c>[LibraryImport]</c> keeps it trim- and AOT-safe.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class Ntdll
{
    private const int ProcessBasicInformationClass = 0;

    /// <summary>
    /// <c>PROCESS_BASIC_INFORMATION</c>. The two 32-bit fields (<c>NTSTATUS</c>, <c>KPRIORITY</c>) are pointer-sized
    /// here: on 64-bit Windows they are padded to 8 bytes, so the layout matches on both word sizes.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ProcessBasicInformation
    {
        internal nint ExitStatus;
        internal nint PebBaseAddress;
        internal nuint AffinityMask;
        internal nint BasePriority;
        internal nuint UniqueProcessId;
        internal nuint InheritedFromUniqueProcessId;
    }

    [LibraryImport("ntdll.dll")]
    private static partial int NtQueryInformationProcess(nint process, int informationClass, out ProcessBasicInformation information, int length, out int returnLength);

    /// <summary>This process's parent PID (the creating process's; never updated after it exits); None if the call fails.</summary>
    internal static Option<int> ParentProcessId()
    {
        var currentProcess = (nint)(-1); // GetCurrentProcess()'s pseudo-handle: nothing to close
        var status = NtQueryInformationProcess(currentProcess, ProcessBasicInformationClass, out var information, Marshal.SizeOf<ProcessBasicInformation>(), out _);
        return status == 0 && information.InheritedFromUniqueProcessId is > 0 and <= int.MaxValue
            ? Some((int)information.InheritedFromUniqueProcessId)
            : None;
    }
}
