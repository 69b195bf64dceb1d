using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Lifecycle;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Lifecycle;

public sealed class OptionRulesTests
{
    private const string ValidName = "svc";

    private const string ValidPidFile = "/tmp/x.pid";

    private static readonly TimeSpan ValidTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void Valid_options_have_no_problems()
    {
        Assert.Empty(OptionRules.Validate(ValidName, ValidPidFile, ValidTimeout));
    }

    [Fact]
    public void The_default_shutdown_timeout_is_five_seconds_and_valid()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), OptionRules.DefaultShutdownTimeout);
        Assert.Empty(OptionRules.Validate(ValidName, ValidPidFile, OptionRules.DefaultShutdownTimeout));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(1L, 1)]
    [InlineData(15L * 60_000, int.MaxValue)]
    [InlineData(365L * 24 * 3_600_000, null)]
    public void Idle_timeouts_up_to_a_year_and_positive_pids_to_watch_are_valid(long? idleMs, int? pid)
    {
        Assert.Empty(OptionRules.ValidateIdle(idleMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, pid));
    }

    [Theory]
    [InlineData(0L, null, "IdleTimeout")]
    [InlineData(-1L, null, "IdleTimeout")]
    [InlineData(365L * 24 * 3_600_000 + 1, null, "IdleTimeout")]
    [InlineData(null, 0, "ExitWithPid")]
    [InlineData(null, -5, "ExitWithPid")]
    public void A_non_positive_or_too_long_idle_timeout_and_a_non_positive_pid_are_reported(long? idleMs, int? pid, string field)
    {
        var problem = Assert.Single(OptionRules.ValidateIdle(idleMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, pid));
        Assert.StartsWith(field, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void A_missing_or_blank_name_is_reported(string? name)
    {
        var problem = Assert.Single(OptionRules.Validate(name, ValidPidFile, ValidTimeout));
        Assert.Contains("Name", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_or_blank_pid_file_is_reported(string? pidFile)
    {
        var problem = Assert.Single(OptionRules.Validate(ValidName, pidFile, ValidTimeout));
        Assert.Contains("PidFile", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/tmp/x\0.pid")]
    [InlineData("\0")]
    [InlineData("/tmp/x.pid\0")]
    public void A_pid_file_containing_nul_is_reported(string pidFile)
    {
        var problem = Assert.Single(OptionRules.Validate(ValidName, pidFile, ValidTimeout));
        Assert.Contains("PidFile", problem, StringComparison.Ordinal);
        Assert.Contains("NUL", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-50_000_000L)]
    [InlineData(long.MinValue)]
    public void A_shutdown_timeout_that_is_not_positive_is_reported(long ticks)
    {
        var problem = Assert.Single(OptionRules.Validate(ValidName, ValidPidFile, TimeSpan.FromTicks(ticks)));
        Assert.Contains("ShutdownTimeout", problem, StringComparison.Ordinal);
        Assert.Contains("positive", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(864_000_000_000L)] // exactly one day
    public void A_shutdown_timeout_from_one_tick_to_one_day_is_accepted(long ticks)
    {
        Assert.Empty(OptionRules.Validate(ValidName, ValidPidFile, TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(864_000_000_001L)] // one day and one tick
    [InlineData(long.MaxValue)]
    public void A_shutdown_timeout_over_one_day_is_reported(long ticks)
    {
        var problem = Assert.Single(OptionRules.Validate(ValidName, ValidPidFile, TimeSpan.FromTicks(ticks)));
        Assert.Contains("ShutdownTimeout", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var problems = OptionRules.Validate(" ", null, TimeSpan.Zero);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("Name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("PidFile", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ShutdownTimeout", StringComparison.Ordinal));
    }

    // Properties

    private enum Field
    {
        Name,
        PidFile,
        ShutdownTimeout,
    }

    /// <summary>Candidate names and whether the model considers them valid.</summary>
    private static Gen<(string? Value, bool Valid)> Name =>
        Gen.Elements<(string?, bool)>(
            (null, false), ("", false), (" ", false), ("\t\r\n", false), ("\u00a0", false),
            ("svc", true), ("my-service", true), (" padded ", true), ("漢", true));

    /// <summary>Candidate PID file paths and whether the model considers them valid.</summary>
    private static Gen<(string? Value, bool Valid)> PidFile =>
        Gen.Elements<(string?, bool)>(
            (null, false), ("", false), ("  ", false), ("\0", false), ("/tmp/a\0b.pid", false), ("x.pid\0", false),
            ("/tmp/x.pid", true), ("relative.pid", true), ("C:\\Temp\\svc.pid", true), (" /tmp/x.pid", true));

    /// <summary>Candidate timeouts around the boundaries (zero, one day) and whether the model considers them valid.</summary>
    private static Gen<(TimeSpan Value, bool Valid)> Timeout =>
        Gen.OneOf(
            Gen.Elements<(TimeSpan, bool)>(
                (TimeSpan.MinValue, false), (TimeSpan.FromTicks(-1), false), (TimeSpan.Zero, false),
                (TimeSpan.FromTicks(1), true), (TimeSpan.FromSeconds(5), true), (TimeSpan.FromDays(1), true),
                (TimeSpan.FromDays(1) + TimeSpan.FromTicks(1), false), (TimeSpan.MaxValue, false)),
            Gen.Choose(-100_000, 100_000).Select(s => (TimeSpan.FromSeconds(s), s > 0 && s <= 86_400)));

    [Property(MaxTest = 300)]
    public Property Each_invalid_field_gives_exactly_one_problem_naming_it_and_valid_fields_give_none() =>
        Prop.ForAll(
            Arb.From(
                from name in Name
                from pidFile in PidFile
                from timeout in Timeout
                select (name, pidFile, timeout)),
            c =>
            {
                var expected = new List<Field>();
                if (!c.name.Valid)
                    expected.Add(Field.Name);
                if (!c.pidFile.Valid)
                    expected.Add(Field.PidFile);
                if (!c.timeout.Valid)
                    expected.Add(Field.ShutdownTimeout);

                var problems = OptionRules.Validate(c.name.Value, c.pidFile.Value, c.timeout.Value);

                // Each problem names exactly the one field it is about; no field is reported twice or left out.
                var named = problems.Select(FieldNamedBy).OrderBy(f => f).ToList();
                return named.SequenceEqual(expected.Cast<Field?>()).Label($"problems: {string.Join(" | ", problems)}");
            });

    [Fact]
    public void Generated_options_cover_every_problem_and_valid_options()
    {
        // Guards the property above against a generator drift that would leave a field always valid or always invalid.
        var counts = Gen.Sample(
                from name in Name
                from pidFile in PidFile
                from timeout in Timeout
                select OptionRules.Validate(name.Value, pidFile.Value, timeout.Value).Count,
                1000)
            .ToHashSet();

        Assert.Equal(new HashSet<int> { 0, 1, 2, 3 }, counts);
    }

    /// <summary>The one field a problem mentions, or null when it mentions none or several.</summary>
    private static Field? FieldNamedBy(string problem)
    {
        var mentioned = Enum.GetValues<Field>().Where(f => problem.Contains(f.ToString(), StringComparison.Ordinal)).ToList();
        return mentioned.Count == 1 ? mentioned[0] : null;
    }
}
