using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Logging;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Logging;

/// <summary>
/// The rotating log's decision: entries are appended while they fit, the files shift when the next one does not, and a
/// file is larger than the cap only when it holds one entry that is larger by itself. The properties run the decisions
/// over a model file system (a name → entries map) exactly as the facade's writer carries them out.
/// </summary>
public sealed class LogRotationTests
{
    private const string Log = "/run/test/daemon.log";

    private static LogRotationPolicy Policy(long maxBytes, int maxFiles) =>
        LogRotationPolicy.Create(maxBytes, maxFiles).Match(p => p, problems => throw new ArgumentException(string.Join(" ", problems)));

    [Fact]
    public void Three_files_rotate_by_dropping_the_oldest_and_renaming_the_others_up()
    {
        var decision = LogRotation.Decide(Log, Policy(100, 3), currentBytes: 90, entryBytes: 20);

        Assert.Equal(
            new RotationDecision.Rotate(Seq<RotationStep>(
                new RotationStep.Delete(Log + ".2"),
                new RotationStep.Rename(Log + ".1", Log + ".2"),
                new RotationStep.Rename(Log, Log + ".1"))),
            decision);
    }

    [Fact]
    public void One_file_kept_means_the_file_is_deleted_and_started_again()
    {
        Assert.Equal(new RotationDecision.Rotate(Seq1<RotationStep>(new RotationStep.Delete(Log))), LogRotation.Decide(Log, Policy(10, 1), 10, 1));
    }

    [Theory]
    [InlineData(0, 5, true)]     // an empty file takes anything, even an entry larger than the cap
    [InlineData(0, 500, true)]
    [InlineData(90, 10, true)]   // exactly at the cap
    [InlineData(90, 11, false)]
    [InlineData(100, 1, false)]
    public void An_entry_is_appended_when_it_fits_or_the_file_is_empty(long current, long entry, bool appended)
    {
        Assert.Equal(appended, LogRotation.Decide(Log, Policy(100, 3), current, entry) is RotationDecision.Append);
    }

    [Fact]
    public void Invalid_caps_and_counts_are_reported_each_with_what_to_fix()
    {
        var problems = LogRotationPolicy.Create(0, 0).Match(_ => Seq<string>(), p => p);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("MaxFileSizeBytes is 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxFiles is 0", StringComparison.Ordinal));
        Assert.True(LogRotationPolicy.Create(1, LogRotation.MaxMaxFiles + 1).IsLeft);
        Assert.Equal(LogRotationPolicy.Default, Policy(10 * 1024 * 1024, 3));
    }

    [Fact]
    public void The_file_names_are_the_path_then_numbered_suffixes()
    {
        Assert.Equal(Seq(Log, Log + ".1", Log + ".2"), LogRotation.FilePaths(Log, Policy(1, 3)));
    }

    // Properties over a model file system

    private static Gen<(long Max, int Files, int[] Entries)> Scenario =>
        from max in Gen.Choose(1, 200)
        from files in Gen.Choose(1, 6)
        from entries in Gen.Choose(1, 250).ArrayOf()
        select ((long)max, files, entries);

    /// <summary>The model: each file name holds the indexes of the entries written into it, oldest first.</summary>
    private static Dictionary<string, List<int>> Run(long max, int maxFiles, int[] sizes)
    {
        var policy = Policy(max, maxFiles);
        var files = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        long Size(string name) => files.TryGetValue(name, out var e) ? e.Sum(i => (long)sizes[i]) : 0;

        for (var i = 0; i < sizes.Length; i++)
        {
            if (LogRotation.Decide(Log, policy, Size(Log), sizes[i]) is RotationDecision.Rotate rotate)
            {
                foreach (var step in rotate.Steps)
                {
                    switch (step)
                    {
                        case RotationStep.Delete d:
                            files.Remove(d.Path);
                            break;
                        case RotationStep.Rename r:
                            if (files.Remove(r.From, out var moved))
                                files[r.To] = moved;
                            break;
                        default:
                            throw new InvalidOperationException($"unknown step {step}");
                    }
                }
            }

            if (!files.TryGetValue(Log, out var current))
                files[Log] = current = [];
            current.Add(i);
        }

        return files;
    }

    [Property(MaxTest = 500)]
    public Property A_file_exceeds_the_cap_only_when_it_holds_one_entry_larger_than_the_cap() =>
        Prop.ForAll(Arb.From(Scenario), s =>
        {
            var files = Run(s.Max, s.Files, s.Entries);
            return files.Values.All(entries => entries.Sum(i => (long)s.Entries[i]) <= s.Max || entries.Count == 1 && s.Entries[entries[0]] > s.Max);
        });

    [Property(MaxTest = 500)]
    public Property Never_more_than_max_files_and_only_the_planned_names() =>
        Prop.ForAll(Arb.From(Scenario), s =>
        {
            var files = Run(s.Max, s.Files, s.Entries);
            var allowed = LogRotation.FilePaths(Log, Policy(s.Max, s.Files)).ToHashSet();
            return files.Count <= s.Files && files.Keys.All(allowed.Contains) && files.Values.All(e => e.Count > 0);
        });

    [Property(MaxTest = 500)]
    public Property The_files_read_oldest_to_newest_are_the_latest_entries_in_order_without_gaps() =>
        Prop.ForAll(Arb.From(Scenario), s =>
        {
            var files = Run(s.Max, s.Files, s.Entries);
            var kept = Enumerable.Range(0, s.Files).Reverse()
                .Select(i => LogRotation.FilePath(Log, i))
                .Where(files.ContainsKey)
                .SelectMany(name => files[name])
                .ToList();
            var expected = Enumerable.Range(s.Entries.Length - kept.Count, kept.Count).ToList();
            return (s.Entries.Length == 0 || kept.Count > 0 && kept[^1] == s.Entries.Length - 1).Label("the last entry is kept")
                .And(kept.SequenceEqual(expected).Label("a contiguous suffix, in order"));
        });

    [Property(MaxTest = 500)]
    public Property Nothing_is_dropped_while_everything_fits_in_the_kept_files() =>
        Prop.ForAll(Arb.From(Scenario), s =>
        {
            // Each rotated file was full enough that the next entry did not fit, so dropping begins only once more than
            // MaxFiles files' worth has been written; with everything fitting in one file nothing ever rotates.
            var total = s.Entries.Sum(e => (long)e);
            var files = Run(s.Max, s.Files, s.Entries);
            return (total > s.Max || files.Count <= 1 && (s.Entries.Length == 0 || files[Log].Count == s.Entries.Length))
                .Label("fits in one file: one file with every entry")
                .And(files.Values.Sum(e => e.Count) == s.Entries.Length || files.Count == s.Files).Label("entries are dropped only when every file is in use");
        });

    [Property(MaxTest = 500)]
    public Property The_plan_renames_each_file_up_one_after_freeing_its_target() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, LogRotation.MaxMaxFiles)), n =>
        {
            var steps = LogRotation.Plan(Log, Policy(1, n)).ToList();
            var deleted = steps[0] is RotationStep.Delete { Path: var p } && p == LogRotation.FilePath(Log, n - 1);
            var renames = steps.Skip(1).Cast<RotationStep.Rename>().ToList();
            var ordered = renames.Select((r, k) => r.From == LogRotation.FilePath(Log, n - 2 - k) && r.To == LogRotation.FilePath(Log, n - 1 - k)).All(ok => ok);
            return deleted && renames.Count == n - 1 && ordered;
        });
}
