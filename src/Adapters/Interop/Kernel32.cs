using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Outfitter.Daemon.Adapters.Interop;

/// <summary>The few Win32 calls .NET has no public API for. <c>[LibraryImport]</c> keeps them trim- and AOT-safe.</summary>
[SupportedOSPlatform("windows")]
internal static partial class Kernel32
{
    /// <summary><c>BY_HANDLE_FILE_INFORMATION</c> (52 bytes): DWORDs, and FILETIMEs of two DWORDs, so packed at 4.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct ByHandleFileInformation
    {
        internal uint FileAttributes;
        internal ulong CreationTime;
        internal ulong LastAccessTime;
        internal ulong LastWriteTime;
        internal uint VolumeSerialNumber;
        internal uint FileSizeHigh;
        internal uint FileSizeLow;
        internal uint NumberOfLinks;
        internal uint FileIndexHigh;
        internal uint FileIndexLow;
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation information);
}
