using System.Reflection;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The shell touches the OS, the clock and the environment only through ports: outside the adapters, only the one
/// composition root (<c>Outfitter.Daemon.Composition</c>) and the tool's entry point may name an OS API. Checked on the
/// IL of every method of the facade, hosting and tool assemblies, attributed to the type that owns the code (lambdas
/// and async state machines count as their owner's). (docs/adr/0009-one-shell-over-the-ports.md)
/// </summary>
public sealed class ShellPurityTests
{
    /// <summary>What counts as touching the OS, the clock or the environment, and why.</summary>
    private static readonly (Func<MemberUse, bool> Matches, string What)[] OsAccess =
    [
        (u => u.Member.StartsWith("System.Environment.", StringComparison.Ordinal) && !IsIteratorBookkeeping(u), "the environment"),
        (u => u.Member is "System.AppContext.get_BaseDirectory", "the environment"),
        (u => u.Member is "System.DateTime.get_Now" or "System.DateTime.get_UtcNow" or "System.DateTime.get_Today"
            or "System.DateTimeOffset.get_Now" or "System.DateTimeOffset.get_UtcNow", "the clock"),
        (u => u.Member is "System.TimeProvider.get_System", "the clock"),
        (u => u.Member.StartsWith("System.Diagnostics.Stopwatch.", StringComparison.Ordinal), "the clock"),
        (u => WaitsOnTheSystemClock(u), "the clock (a timer without a TimeProvider)"),
        (u => u.Member.StartsWith("System.Diagnostics.Process.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.Diagnostics.ProcessStartInfo.", StringComparison.Ordinal), "processes"),
        (u => u.Member.StartsWith("System.IO.File.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.Directory.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.FileInfo.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.DirectoryInfo.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.FileSystemInfo.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.FileStream.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.StreamReader..ctor", StringComparison.Ordinal) && u.Signature.StartsWith("System.String", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.StreamWriter..ctor", StringComparison.Ordinal) && u.Signature.StartsWith("System.String", StringComparison.Ordinal)
            || u.Member is "System.IO.Path.GetTempPath" or "System.IO.Path.GetFullPath" or "System.IO.Path.GetTempFileName", "the file system"),
        (u => u.Member.StartsWith("System.Net.Sockets.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.IO.Pipes.", StringComparison.Ordinal), "sockets and pipes"),
        (u => u.Member.StartsWith("System.Console.", StringComparison.Ordinal), "the console"),
        (u => u.Member.StartsWith("System.Runtime.InteropServices.PosixSignalRegistration.", StringComparison.Ordinal)
            || u.Member.StartsWith("System.Runtime.InteropServices.NativeLibrary.", StringComparison.Ordinal), "signals and native code"),
    ];

    /// <summary>
    /// The managed thread id an async iterator's compiler-generated state machine reads (in its constructor and
    /// <c>GetAsyncEnumerator</c>) to hand its first enumerator out without a copy: bookkeeping of the runtime, not the
    /// process environment. Only there (<c>&lt;Method&gt;d__N</c>'s constructor and <c>GetAsyncEnumerator</c>); anywhere else it still counts.
    /// </summary>
    private static bool IsIteratorBookkeeping(MemberUse use) =>
        use.Member is "System.Environment.get_CurrentManagedThreadId"
        && use.Method.Contains(">d__", StringComparison.Ordinal)
        && (use.Method.EndsWith("::.ctor", StringComparison.Ordinal) || use.Method.EndsWith(".GetAsyncEnumerator", StringComparison.Ordinal));

    public static TheoryData<string> ShellAssemblies => new() { "Outfitter.Daemon", "Outfitter.Daemon.Hosting", "outfitter-daemon" };

    /// <summary>Where an OS API may be named: the facade's composition root and the tool's entry point.</summary>
    private static bool IsCompositionRoot(MemberUse use) =>
        use.Caller.StartsWith("Outfitter.Daemon.Composition.", StringComparison.Ordinal)
        || use.Caller is "Program"; // the tool's top-level statements: its process edge (args, console, exit)

    [Theory]
    [MemberData(nameof(ShellAssemblies))]
    public void Outside_the_composition_root_the_shell_touches_no_os_clock_or_environment_api(string assemblyName)
    {
        var uses = IlScanner.Scan(Load(assemblyName));

        var offending = uses
            .Where(u => !IsCompositionRoot(u))
            .SelectMany(u => OsAccess.Where(r => r.Matches(u)).Select(r => $"{u} — {r.What}"))
            .Distinct()
            .ToList();

        Assert.True(offending.Count == 0, $"{assemblyName} touches the OS outside the composition root:\n" + string.Join("\n", offending));
        Assert.Contains(uses, u => u.Member.StartsWith("System.", StringComparison.Ordinal)); // the scan does see the IL
    }

    [Fact]
    public void The_scan_sees_os_access_in_the_composition_root()
    {
        // The composition root must be where the adapters are chosen; if the scan stopped seeing it, the test above
        // would pass for the wrong reason.
        var uses = IlScanner.Scan(Load("Outfitter.Daemon"));

        Assert.Contains(uses, u => IsCompositionRoot(u) && u.Member.StartsWith("Outfitter.Daemon.Adapters.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_scan_attributes_lambdas_and_async_methods_to_their_owner()
    {
        var uses = IlScanner.Scan(typeof(ShellPurityTests).Assembly);

        Assert.Contains(uses, u => u.Caller == typeof(ScanSamples).FullName && u.Member == "System.Environment.get_ProcessId");
        Assert.Contains(uses, u => u.Caller == typeof(ScanSamples).FullName && u.Member == "System.DateTime.get_UtcNow");
        Assert.Contains(uses, u => u.Caller == typeof(ScanSamples).FullName && WaitsOnTheSystemClock(u));
        // …and the TimeProvider overload is seen but not counted as the system clock.
        Assert.Contains(uses, u => u.Caller == typeof(ScanSamples).FullName && u.Member == "System.Threading.Tasks.Task.Delay" && !WaitsOnTheSystemClock(u));
    }

    [Fact]
    public void The_tool_does_not_reference_the_adapters()
    {
        var references = Load("outfitter-daemon").GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Outfitter.Daemon", references);
        Assert.DoesNotContain("Outfitter.Daemon.Adapters", references);
    }

    [Fact]
    public void Hosting_does_not_reference_the_adapters()
    {
        var references = Load("Outfitter.Daemon.Hosting").GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Outfitter.Daemon", references);
        Assert.DoesNotContain("Outfitter.Daemon.Adapters", references);
    }

    /// <summary>
    /// Task.Delay, WaitAsync, CancelAfter, CancellationTokenSource(TimeSpan) and timers without a TimeProvider run on the
    /// system clock; their TimeProvider overloads are fine.
    /// </summary>
    private static bool WaitsOnTheSystemClock(MemberUse use) =>
        use.Member is "System.Threading.Tasks.Task.Delay" or "System.Threading.Tasks.Task.WaitAsync"
                or "System.Threading.Tasks.Task`1.WaitAsync" or "System.Threading.CancellationTokenSource.CancelAfter"
                or "System.Threading.PeriodicTimer..ctor" or "System.Threading.Timer..ctor"
            && !use.Signature.Contains("System.TimeProvider", StringComparison.Ordinal)
            && (use.Signature.Contains("System.TimeSpan", StringComparison.Ordinal) || use.Signature.Contains("Int32", StringComparison.Ordinal))
        || use.Member is "System.Threading.CancellationTokenSource..ctor"
            && use.Signature is "System.TimeSpan" or "Int32";

    private static Assembly Load(string name) =>
        Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, name + ".dll"));
}

/// <summary>Known OS uses inside a lambda and an async method, for the scanner's own test.</summary>
internal static class ScanSamples
{
    public static Func<int> Pid => () => Environment.ProcessId;

    public static async Task<DateTime> LaterAsync(CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(1), ct);
        await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, ct);
        return DateTime.UtcNow;
    }
}
