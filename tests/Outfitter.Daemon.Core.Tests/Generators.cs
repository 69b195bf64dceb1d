using FsCheck;
using FsCheck.Fluent;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Paths;

namespace Outfitter.Daemon.Core.Tests;

/// <summary>
/// Shared FsCheck generators for Core values. Ranges are deliberately small where collisions matter (PIDs, start times),
/// so that "same PID as self" and "same start time" cases come up often instead of almost never.
/// </summary>
public static class Generators
{
    /// <summary>None about a quarter of the time, otherwise Some of <paramref name="gen"/>.</summary>
    public static Gen<Option<T>> OptionOf<T>(Gen<T> gen) =>
        Gen.Frequency(
            (1, Gen.Constant(Option<T>.None)),
            (3, gen.Select(x => Option<T>.Some(x))));

    /// <summary>Small positive PIDs, so that an owner often shares its PID with self.</summary>
    public static Gen<int> SmallPid => Gen.Choose(1, 5);

    /// <summary>Any positive PID, with the extremes included.</summary>
    public static Gen<int> AnyPositivePid =>
        Gen.Frequency(
            (8, Gen.Choose(1, int.MaxValue)),
            (1, Gen.Elements(1, int.MaxValue)));

    /// <summary>Start-time tokens from a tiny range (frequent equality), plus the extremes.</summary>
    public static Gen<ulong> StartTime =>
        Gen.Frequency(
            (6, Gen.Choose(0, 3).Select(i => (ulong)i)),
            (1, Gen.Elements(ulong.MinValue, ulong.MaxValue)));

    /// <summary>Any start-time token.</summary>
    public static Gen<ulong> AnyStartTime =>
        Gen.Frequency(
            (6, ArbMap.Default.GeneratorFor<ulong>()),
            (1, Gen.Elements(ulong.MinValue, ulong.MaxValue)));

    /// <summary>A process identity with a small PID and a start time that is often unknown or colliding.</summary>
    public static Gen<ProcessIdentity> Identity =>
        from pid in SmallPid
        from start in OptionOf(StartTime)
        select new ProcessIdentity(pid, start);

    /// <summary>Both kernel-lock states.</summary>
    public static Gen<KernelLock> Kernel => Gen.Elements(KernelLock.Free, KernelLock.Held);

    /// <summary>Every lock-file content case.</summary>
    public static Gen<LockFileContent> Content =>
        Gen.OneOf(
            Gen.Constant<LockFileContent>(new LockFileContent.Missing()),
            Gen.Constant<LockFileContent>(new LockFileContent.Empty()),
            Gen.Elements("it is garbage", "its first line \"x\" is not a positive process id")
                .Select(reason => (LockFileContent)new LockFileContent.Invalid(reason)),
            Identity.Select(id => (LockFileContent)new LockFileContent.Owned(id)));

    /// <summary>Dead, or alive with a known or unknown start time.</summary>
    public static Gen<ProcessStatus> Status =>
        Gen.OneOf(
            Gen.Constant<ProcessStatus>(new ProcessStatus.Dead()),
            OptionOf(StartTime).Select(st => (ProcessStatus)new ProcessStatus.Alive(st)));

    /// <summary>The owner's status as the shell reports it (None: not inspected).</summary>
    public static Gen<Option<ProcessStatus>> OwnerStatus => OptionOf(Status);

    /// <summary>
    /// Candidate tool names biased towards the interesting characters: separators, dots, control characters, NUL,
    /// whitespace and non-ASCII letters, with lengths around the 100-character limit.
    /// </summary>
    public static Gen<string> ToolNameCandidate
    {
        get
        {
            var safe = Gen.Elements("abcxyzABZ0129-_.~ éß漢".ToCharArray());
            var hostile = Gen.Elements('/', '\\', '\0', '\n', '\t', '\u0001', '\u001f', '\u007f', '\u0085', '.', ':', '*', '?', '"', '<', '>', '|');
            var ch = Gen.Frequency((12, safe), (1, hostile));
            var shortName = Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(ch, n)).Select(cs => new string(cs));
            var nearLimit = Gen.Choose(ToolName.MaxLength - 2, ToolName.MaxLength + 2).SelectMany(n => Gen.ArrayOf(safe, n)).Select(cs => new string(cs));
            var special = Gen.Elements("", " ", "\t", ".", "..", "...", " .", "a/b", "a\\b", "../x", "x\0y");
            return Gen.Frequency((6, shortName), (2, nearLimit), (1, special));
        }
    }

    /// <summary>Valid tool names only.</summary>
    public static Gen<ToolName> ValidToolName =>
        ToolNameCandidate
            .Select(ToolName.Parse)
            .Where(parsed => parsed.IsRight)
            .Select(parsed => parsed.RightToSeq().Head);

    /// <summary>Runtime facts for the Unix families, with absolute, relative, empty and trailing-slash variables.</summary>
    public static Gen<RuntimeFacts> UnixFacts
    {
        get
        {
            var dirVariable = OptionOf(Gen.Elements("/run/user/1000", "/run/user/1000/", "/custom/rt//", "/", "", "relative/dir", "./x"));
            return
                from os in Gen.Elements(OsFamily.Linux, OsFamily.MacOS, OsFamily.OtherUnix)
                from xdg in dirVariable
                from tmpdir in OptionOf(Gen.Elements("/var/folders/ab/cd/T/", "/private/tmp", "", "tmp"))
                from temp in OptionOf(Gen.Elements(@"C:\Temp", ""))
                from systemTemp in Gen.Elements("/tmp", "/tmp/", "/var/tmp")
                from uid in Gen.Elements(0u, 1000u, 65534u, uint.MaxValue)
                from runUserExists in Gen.Elements(true, false)
                select new RuntimeFacts(os, xdg, tmpdir, temp, systemTemp, uid, runUserExists);
        }
    }

    /// <summary>Runtime facts for Windows, including set XDG and TMPDIR variables that must be ignored.</summary>
    public static Gen<RuntimeFacts> WindowsFacts =>
        from xdg in OptionOf(Gen.Elements("/run/user/1000", @"D:\xdg"))
        from tmpdir in OptionOf(Gen.Elements("/tmp"))
        from temp in OptionOf(Gen.Elements(@"C:\Users\me\AppData\Local\Temp", @"C:\Temp\", @"D:\t/", ""))
        from systemTemp in Gen.Elements(@"C:\Windows\Temp", @"C:\Windows\Temp\")
        select new RuntimeFacts(OsFamily.Windows, xdg, tmpdir, temp, systemTemp, 0u, false);
}

/// <summary>Arbitraries for <c>[Property(Arbitrary = new[] { typeof(CoreArbitraries) })]</c>.</summary>
public static class CoreArbitraries
{
    /// <summary>Both kernel-lock states.</summary>
    public static Arbitrary<KernelLock> KernelLock() => Arb.From(Generators.Kernel);

    /// <summary>Every lock-file content case, with small PIDs.</summary>
    public static Arbitrary<LockFileContent> LockFileContent() => Arb.From(Generators.Content);

    /// <summary>Identities with small PIDs.</summary>
    public static Arbitrary<ProcessIdentity> ProcessIdentity() => Arb.From(Generators.Identity);

    /// <summary>Owner statuses, including "not inspected".</summary>
    public static Arbitrary<Option<ProcessStatus>> OwnerStatus() => Arb.From(Generators.OwnerStatus);

    /// <summary>Valid tool names.</summary>
    public static Arbitrary<ToolName> ToolName() => Arb.From(Generators.ValidToolName);
}
