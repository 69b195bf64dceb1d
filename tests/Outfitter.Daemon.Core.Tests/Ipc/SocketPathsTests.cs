using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Paths;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class SocketPathsTests
{
    // ValidateUnix

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t \n")]
    public void A_missing_or_blank_path_is_rejected_as_empty(string? path)
    {
        Assert.Equal("the socket path is empty", Rejected(SocketPaths.ValidateUnix(path, OsFamily.Linux)));
    }

    [Theory]
    [InlineData("/tmp/a\0b.sock")]
    [InlineData("\0")]
    [InlineData("/tmp/daemon.sock\0")]
    public void A_path_with_a_nul_character_is_rejected(string path)
    {
        Assert.Equal("the socket path contains a NUL character", Rejected(SocketPaths.ValidateUnix(path, OsFamily.Linux)));
    }

    [Theory]
    [InlineData(OsFamily.Linux, 107)]
    [InlineData(OsFamily.MacOS, 103)]
    [InlineData(OsFamily.OtherUnix, 103)]
    public void The_limit_is_sun_path_minus_its_terminating_nul(OsFamily os, int max)
    {
        Assert.Equal(max, SocketPaths.MaxUnixPathBytes(os));
    }

    [Theory]
    [InlineData(OsFamily.Linux, 107)]
    [InlineData(OsFamily.MacOS, 103)]
    [InlineData(OsFamily.OtherUnix, 103)]
    public void A_path_of_exactly_the_limit_is_accepted_unchanged(OsFamily os, int bytes)
    {
        var path = AsciiPath(bytes);

        Assert.Equal(path, Accepted(SocketPaths.ValidateUnix(path, os)));
    }

    [Theory]
    [InlineData(OsFamily.Linux, 108, 107)]
    [InlineData(OsFamily.Linux, 300, 107)]
    [InlineData(OsFamily.MacOS, 104, 103)]
    [InlineData(OsFamily.OtherUnix, 104, 103)]
    public void A_path_one_byte_over_the_limit_is_rejected_saying_how_long_it_is_and_what_to_do(OsFamily os, int bytes, int max)
    {
        var message = Rejected(SocketPaths.ValidateUnix(AsciiPath(bytes), os));

        Assert.Contains($"is {bytes} bytes long", message, StringComparison.Ordinal);
        Assert.Contains($"at most {max}", message, StringComparison.Ordinal);
        Assert.Contains("shorter tool name", message, StringComparison.Ordinal);
        Assert.Contains("XDG_RUNTIME_DIR", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_length_is_counted_in_utf8_bytes_not_characters()
    {
        // 53 "é" (2 bytes each) after a slash: 107 bytes in 54 characters; one more "é" makes 109 bytes in 55.
        var fits = "/" + new string('é', 53);
        var tooLong = "/" + new string('é', 54);

        Assert.Equal(fits, Accepted(SocketPaths.ValidateUnix(fits, OsFamily.Linux)));
        Assert.Contains("is 109 bytes long", Rejected(SocketPaths.ValidateUnix(tooLong, OsFamily.Linux)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_of_few_characters_but_many_bytes_is_rejected()
    {
        // 27 emoji: 54 UTF-16 units, 108 UTF-8 bytes.
        var path = string.Concat(Enumerable.Repeat("😀", 27));

        Assert.Contains("is 108 bytes long", Rejected(SocketPaths.ValidateUnix(path, OsFamily.Linux)), StringComparison.Ordinal);
        Assert.Contains("is 108 bytes long", Rejected(SocketPaths.ValidateUnix(path, OsFamily.MacOS)), StringComparison.Ordinal);
    }

    [Property]
    public Property A_nul_free_non_blank_path_is_accepted_exactly_when_its_utf8_bytes_fit() =>
        Prop.ForAll(
            Arb.From(
                from os in Gen.Elements(OsFamily.Linux, OsFamily.MacOS, OsFamily.OtherUnix)
                from count in Gen.Choose(1, 120)
                from pieces in Gen.ArrayOf(Gen.Frequency((8, Gen.Elements("a", "/", "-", ".")), (1, Gen.Elements("é", "✓", "😀"))), count)
                select (Os: os, Path: "/" + string.Concat(pieces))),
            c =>
            {
                var fits = Encoding.UTF8.GetByteCount(c.Path) <= SocketPaths.MaxUnixPathBytes(c.Os);
                var result = SocketPaths.ValidateUnix(c.Path, c.Os);

                Assert.Equal(fits, result.IsRight);
                if (fits)
                    Assert.Equal(c.Path, Accepted(result));
            });

    // Named pipes

    [Theory]
    [InlineData(@"\\.\pipe\waymark-daemon", true)]
    [InlineData(@"\\.\PIPE\waymark", true)]
    [InlineData(@"\\.\Pipe\", true)]
    [InlineData(@"\\server\pipe\waymark", false)]
    [InlineData(@"\\.\pipes\waymark", false)]
    [InlineData(@"\\.\pipe", false)]
    [InlineData("/run/user/1000/waymark/daemon.sock", false)]
    [InlineData(@"C:\Temp\waymark\daemon.sock", false)]
    [InlineData("", false)]
    public void A_named_pipe_path_is_recognized_by_its_prefix_in_any_case(string path, bool isPipe)
    {
        Assert.Equal(isPipe, SocketPaths.IsNamedPipe(path));
    }

    [Theory]
    [InlineData(@"\\.\pipe\waymark-daemon", "waymark-daemon")]
    [InlineData(@"\\.\PIPE\a\b", @"a\b")]
    [InlineData(@"\\.\pipe\", "")]
    public void The_pipe_name_is_what_follows_the_prefix(string path, string name)
    {
        Assert.Equal(name, SocketPaths.PipeName(path));
    }

    // SiblingLockPath

    [Theory]
    [InlineData("/run/user/1000/waymark/daemon.sock", "/run/user/1000/waymark/daemon.lock")]
    [InlineData("/daemon.sock", "/daemon.lock")]
    [InlineData("relative/dir/daemon.sock", "relative/dir/daemon.lock")]
    public void The_lock_beside_a_daemon_sock_is_daemon_lock_in_the_same_directory(string socket, string lockPath)
    {
        Assert.Equal(Some(lockPath), SocketPaths.SiblingLockPath(socket));
    }

    [Theory]
    [InlineData("daemon.sock")]
    [InlineData("/tmp/x/mydaemon.sock")]
    [InlineData("/tmp/x/other.sock")]
    [InlineData("/tmp/x/daemon.sock/")]
    [InlineData("/tmp/x/daemon.sock.bak")]
    [InlineData("/tmp/x/DAEMON.SOCK")]
    [InlineData(@"\\.\pipe\waymark")]
    [InlineData("")]
    public void Other_socket_names_have_no_known_sibling_lock(string socket)
    {
        Assert.True(SocketPaths.SiblingLockPath(socket).IsNone);
    }

    [Property]
    public Property Any_directory_s_daemon_sock_maps_to_the_same_directory_s_daemon_lock() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements("run", "user", "1000", "é", "daemon.sock", "a b", ".", ".."), n))
                .Select(parts => string.Concat(parts.Select(p => "/" + p)))),
            dir => SocketPaths.SiblingLockPath(dir + "/daemon.sock") == Some(dir + "/daemon.lock"));

    // Helpers

    /// <summary>An absolute ASCII path of exactly <paramref name="bytes"/> bytes.</summary>
    private static string AsciiPath(int bytes) => "/tmp/" + new string('a', bytes - "/tmp/".Length);

    private static string Accepted(Either<string, string> result) =>
        result.Match(Right: path => path, Left: error => throw new Xunit.Sdk.XunitException($"Expected the path to be accepted, got: {error}"));

    private static string Rejected(Either<string, string> result) =>
        result.Match(Right: path => throw new Xunit.Sdk.XunitException($"Expected a rejection, got the path \"{path}\""), Left: error => error);
}
