using System.Runtime.InteropServices;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Interop;

/// <summary>Resource limits (<c>getrlimit</c>).</summary>
internal static partial class Libc
{
    private const ulong RlimInfinity = ulong.MaxValue;

    /// <summary>The soft limit on open descriptors; None when unlimited or unreadable.</summary>
    internal static Option<ulong> OpenFilesLimit()
    {
        // RLIMIT_NOFILE is 7 on Linux, 8 on macOS and the BSDs; struct rlimit is two rlim_t (64-bit) values.
        Span<ulong> limit = stackalloc ulong[2];
        var resource = OperatingSystem.IsLinux() ? 7 : 8;
        unsafe
        {
            fixed (ulong* p = limit)
            {
                if (getrlimit(resource, p) != 0)
                    return None;
            }
        }

        return limit[0] == RlimInfinity ? None : Some(limit[0]);
    }

    [LibraryImport(Lib, SetLastError = true)]
    private static unsafe partial int getrlimit(int resource, ulong* limit);
}
