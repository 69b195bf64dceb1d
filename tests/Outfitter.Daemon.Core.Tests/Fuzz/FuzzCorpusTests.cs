using Outfitter.Daemon.Fuzz;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Fuzz;

/// <summary>
/// Replays the committed fuzz corpus (<c>fuzz/corpus/TARGET/*</c>: seeds, and every input AFL++ found interesting or that
/// once broke a parser) through the same checks the fuzz harness runs, so a regression fails the ordinary test run.
/// </summary>
public sealed class FuzzCorpusTests
{
    /// <summary>Every corpus file as (target, file name relative to the corpus folder).</summary>
    public static TheoryData<string, string> CorpusFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.Names)
        {
            var folder = Path.Combine(CorpusRoot(), target);
            if (!Directory.Exists(folder))
                continue;
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                data.Add(target, Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_input_keeps_the_parser_invariants(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusRoot(), target, file));

        FuzzTargets.Run(target, input);
    }

    [Fact]
    public void Every_target_has_a_corpus()
    {
        foreach (var target in FuzzTargets.Names)
        {
            var folder = Path.Combine(CorpusRoot(), target);
            Assert.True(Directory.Exists(folder), $"the fuzz corpus for \"{target}\" is missing: {folder}");
            Assert.True(Directory.EnumerateFiles(folder).Count() >= 10, $"the fuzz corpus for \"{target}\" has fewer than 10 inputs");
        }
    }

    private static string CorpusRoot()
    {
        // The corpus lives in the repository, not the build output: walk up to the folder holding the solution.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outfitter.Daemon.sln")))
                return Path.Combine(dir.FullName, "fuzz", "corpus");
        }

        throw new InvalidOperationException($"no Outfitter.Daemon.sln above {AppContext.BaseDirectory}: cannot find the fuzz corpus");
    }
}
