namespace Outfitter.Daemon.Tool;

/// <summary>"Did you mean …?": the known words closest to a mistyped one (edit distance, transpositions counted as one).</summary>
internal static class Suggestions
{
    /// <summary>
    /// The words of <paramref name="known"/> within a small edit distance of <paramref name="typed"/> (about one edit in
    /// three letters, at least one), or that it is a prefix of; closest first, at most three. Dashes are not compared.
    /// </summary>
    internal static IReadOnlyList<string> For(string typed, IEnumerable<string> known)
    {
        var bare = typed.Split('=')[0].TrimStart('-');
        if (bare.Length == 0)
            return [];
        var limit = Math.Max(1, bare.Length / 3);
        return known
            .Distinct(StringComparer.Ordinal)
            .Select(word => (Word: word, Bare: word.TrimStart('-')))
            .Where(w => w.Bare.Length > 1)
            .Select(w => (w.Word, Distance: w.Bare.StartsWith(bare, StringComparison.Ordinal) ? 0 : Distance(bare, w.Bare)))
            .Where(w => w.Distance <= limit)
            .OrderBy(w => w.Distance)
            .ThenBy(w => w.Word, StringComparer.Ordinal)
            .Take(3)
            .Select(w => w.Word)
            .ToList();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }

        return d[a.Length, b.Length];
    }
}
