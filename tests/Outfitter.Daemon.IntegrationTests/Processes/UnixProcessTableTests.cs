using System.Text;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Processes;

/// <summary>
/// The process table adapter on the real OS: <c>/proc/&lt;pid&gt;/stat</c> parsed without allocating (a watched process
/// is inspected every second for as long as a daemon runs), and the parent PID.
/// </summary>
public sealed class UnixProcessTableTests
{
    private static LinuxProcStat? Parse(string line) =>
        LinuxProcStat.Parse(Encoding.UTF8.GetBytes(line)).MatchUnsafe(s => (LinuxProcStat?)s, () => null);

    private static string Line(string comm, char state, string startTime) =>
        $"4242 ({comm}) {state} 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {startTime} 12345 678 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

    [Theory]
    [InlineData("sleep", 'S', "987654")]
    [InlineData("a b) (c", 'R', "1")]                     // spaces and parentheses in the command name
    [InlineData("z", 'Z', "18446744073709551615")]        // a zombie; the largest start time
    public void The_state_and_start_time_are_read_after_the_last_parenthesis(string comm, char state, string startTime)
    {
        Assert.Equal(new LinuxProcStat(state, ulong.Parse(startTime, System.Globalization.CultureInfo.InvariantCulture)), Parse(Line(comm, state, startTime)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (x")]
    [InlineData("4242 (x) S 1 2 3")]                                              // too short
    [InlineData("4242 (x) SS 1 4242 4242 0 -1 1 1 0 0 0 1 2 0 0 20 0 1 0 77 1")] // a state of two letters
    public void A_line_that_is_not_a_stat_line_is_none(string line)
    {
        Assert.Null(Parse(line));
    }

    [Fact]
    public void A_start_time_that_is_not_plain_digits_or_overflows_is_none()
    {
        Assert.Null(Parse(Line("x", 'S', "+77")));
        Assert.Null(Parse(Line("x", 'S', "18446744073709551616")));
    }

    [Fact]
    public void This_process_is_read_from_proc_and_a_pid_that_runs_nothing_is_none()
    {
        var self = LinuxProcStat.Read(Environment.ProcessId);
        Assert.True(self.IsSome);
        Assert.True(LinuxProcStat.Read(int.MaxValue).IsNone);
    }

    [Fact]
    public void Inspecting_a_live_process_allocates_almost_nothing()
    {
        using var child = ChildProcess.Start("sleep", "600");
        IProcessTable table = new UnixProcessTable();
        Assert.IsType<ProcessStatus.Alive>(table.Inspect(child.Pid)); // warmed up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            _ = table.Inspect(child.Pid);
        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;

        // The path, the file handle and the status: a few hundred bytes, where File.ReadAllText took about ten KiB.
        Assert.True(perCall < 1024, $"{perCall} bytes allocated per Inspect");
    }

    [Fact]
    public void The_parent_pid_is_the_test_runners_own_process_for_this_process()
    {
        IProcessTable table = new UnixProcessTable();
        var ppid = table.ParentPid().MatchUnsafe(p => (int?)p, () => null);
        var expected = int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, ppid);
    }
}
