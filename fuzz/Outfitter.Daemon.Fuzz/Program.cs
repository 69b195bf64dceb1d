using Outfitter.Daemon.Fuzz;
using SharpFuzz;

// Usage:
//   Outfitter.Daemon.Fuzz TARGET             under afl-fuzz (input on stdin; SharpFuzz's fork server); once without it
//   Outfitter.Daemon.Fuzz TARGET PATH...     replay files or folders, print each failure, exit 1 if any failed
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Outfitter.Daemon.Fuzz {string.Join("|", FuzzTargets.Names)} [FILE|DIR ...]");
    return 2;
}

var target = args[0];
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        FuzzTargets.Run(target, copy.GetBuffer().AsSpan(0, (int)copy.Length));
    });
    return 0;
}

var failures = 0;
var files = args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal);
foreach (var file in files)
{
    try
    {
        FuzzTargets.Run(target, File.ReadAllBytes(file));
    }
    catch (Exception e)
    {
        failures++;
        Console.WriteLine($"FAIL {file}: {e.GetType().Name}: {e.Message}");
        Console.WriteLine(e.StackTrace);
    }
}

Console.WriteLine($"{target}: replayed {files.Count()} inputs, {failures} failed");
return failures == 0 ? 0 : 1;
