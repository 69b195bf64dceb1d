using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// The reading half of this OS's <see cref="ILogFiles"/> adapter on the real file system: what a path names (identity and
/// size), reads at an offset, and identities that survive a rename and differ for a new file, as a follower needs.
/// </summary>
public sealed class LogFilesReadingTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ILogFiles _files = OsPorts.Current.LogFiles;

    public void Dispose() => _dir.Dispose();

    private static T Succ<T>(Fin<T> result) => result.IsSucc ? (T)result : throw new Xunit.Sdk.XunitException(((LanguageExt.Common.Error)result).Message);

    [Fact]
    public void Nothing_at_the_path_or_no_parent_directory_is_none_not_an_error()
    {
        Assert.True(Succ(_files.Stat(_dir.Combine("daemon.log"))).IsNone);
        Assert.True(Succ(_files.Stat(_dir.Combine("missing", "daemon.log"))).IsNone);
        Assert.True(Succ(_files.OpenRead(_dir.Combine("daemon.log"))).IsNone);
        Assert.True(Succ(_files.OpenRead(_dir.Combine("missing", "daemon.log"))).IsNone);
    }

    [Fact]
    public void A_directory_at_the_path_is_the_wrong_kind()
    {
        var stat = _files.Stat(_dir.Path);
        var open = _files.OpenRead(_dir.Path);

        Assert.True(stat.IsFail);
        Assert.Equal(OsErrors.WrongKindCode, ((LanguageExt.Common.Error)stat).Code);
        Assert.True(open.IsFail);
        Assert.Equal(OsErrors.WrongKindCode, ((LanguageExt.Common.Error)open).Code);
    }

    [Fact]
    public void Stat_gives_the_size_and_a_reader_reads_at_an_offset()
    {
        var path = _dir.Combine("daemon.log");
        File.WriteAllText(path, "first\nsecond\n");

        var stat = (LogFileStat)Succ(_files.Stat(path)).Case!;
        using var reader = (ILogFileReader)Succ(_files.OpenRead(path)).Case!;
        var buffer = new byte[100];
        var n = Succ(reader.Read(6, buffer));

        Assert.Equal(13, stat.Length);
        Assert.Equal(stat.Id, reader.Id);
        Assert.Equal(13L, Succ(reader.Length()));
        Assert.Equal("second\n", System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        Assert.Equal(0, Succ(reader.Read(13, buffer)));
        Assert.Equal(0, Succ(reader.Read(500, buffer)));
    }

    [Fact]
    public void A_renamed_file_keeps_its_identity_a_new_file_gets_another_and_an_open_reader_stays_on_its_file()
    {
        var path = _dir.Combine("daemon.log");
        using (var writer = Succ(_files.OpenAppend(path)))
            Succ(writer.Append("old\n"u8));
        var before = (LogFileStat)Succ(_files.Stat(path)).Case!;
        using var reader = (ILogFileReader)Succ(_files.OpenRead(path)).Case!;

        Succ(_files.Rename(path, path + ".1"));
        File.AppendAllText(path + ".1", "late\n");
        using (var writer = Succ(_files.OpenAppend(path)))
            Succ(writer.Append("new\n"u8));

        var renamed = (LogFileStat)Succ(_files.Stat(path + ".1")).Case!;
        var fresh = (LogFileStat)Succ(_files.Stat(path)).Case!;
        var buffer = new byte[100];
        var n = Succ(reader.Read(0, buffer));
        Assert.Equal(before.Id, renamed.Id);
        Assert.NotEqual(before.Id, fresh.Id);
        Assert.Equal(before.Id, reader.Id);
        Assert.Equal("old\nlate\n", System.Text.Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public void A_reader_keeps_reading_a_file_deleted_under_it_and_does_not_stop_the_writer_rotating()
    {
        var path = _dir.Combine("daemon.log");
        File.WriteAllText(path, "kept\n");
        using var reader = (ILogFileReader)Succ(_files.OpenRead(path)).Case!;

        Succ(_files.Delete(path));

        var buffer = new byte[100];
        Assert.False(File.Exists(path));
        Assert.Equal("kept\n", System.Text.Encoding.UTF8.GetString(buffer, 0, Succ(reader.Read(0, buffer))));
    }
}
