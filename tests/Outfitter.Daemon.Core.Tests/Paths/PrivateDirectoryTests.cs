using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Paths;

public sealed class PrivateDirectoryTests
{
    private const string Dir = "/tmp/outfitter-1000";
    private const uint Me = 1000;

    private static int Octal(string digits) => Convert.ToInt32(digits, 8);

    private static Option<DirectoryFacts> Existing(bool isDirectory = true, bool isSymbolicLink = false, uint owner = Me, string mode = "700") =>
        Some(new DirectoryFacts(isDirectory, isSymbolicLink, owner, Octal(mode)));

    [Fact]
    public void Owner_only_mode_is_0700()
    {
        Assert.Equal(PrivateDirectory.OwnerOnlyMode, Octal("700"));
    }

    [Fact]
    public void Nothing_at_the_path_is_created()
    {
        Assert.IsType<PrivateDirectoryDecision.Create>(PrivateDirectory.Decide(Dir, None, Me));
    }

    [Fact]
    public void Our_directory_with_mode_0700_is_used_as_is()
    {
        Assert.IsType<PrivateDirectoryDecision.UseAsIs>(PrivateDirectory.Decide(Dir, Existing(mode: "700"), Me));
    }

    [Fact]
    public void Special_bits_above_the_permission_bits_do_not_prevent_use_as_is()
    {
        // setgid and sticky say nothing about who may enter the directory.
        Assert.IsType<PrivateDirectoryDecision.UseAsIs>(PrivateDirectory.Decide(Dir, Existing(mode: "3700"), Me));
    }

    [Theory]
    [InlineData("755")]
    [InlineData("750")]
    [InlineData("701")]
    [InlineData("777")]
    [InlineData("1777")]
    [InlineData("600")]
    [InlineData("500")]
    [InlineData("000")]
    public void Our_directory_with_any_other_mode_is_tightened_and_the_current_mode_is_kept(string mode)
    {
        var decision = PrivateDirectory.Decide(Dir, Existing(mode: mode), Me);

        Assert.Equal(new PrivateDirectoryDecision.Tighten(Octal(mode)), decision);
    }

    [Fact]
    public void A_symbolic_link_is_refused()
    {
        var error = Refused(PrivateDirectory.Decide(Dir, Existing(isSymbolicLink: true), Me));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_is_refused_even_when_it_points_to_our_private_directory()
    {
        // A link is never followed: whoever planted it could retarget it after we checked.
        var error = Refused(PrivateDirectory.Decide(Dir, Existing(isDirectory: true, isSymbolicLink: true, owner: Me, mode: "700"), Me));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Something_that_is_not_a_directory_is_refused()
    {
        var error = Refused(PrivateDirectory.Decide(Dir, Existing(isDirectory: false), Me));

        Assert.Contains("not a directory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1001u)]
    public void A_directory_owned_by_another_user_is_refused_and_the_message_names_both_uids(uint owner)
    {
        var error = Refused(PrivateDirectory.Decide(Dir, Existing(owner: owner, mode: "700"), Me));

        Assert.Contains($"owned by uid {owner}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"uid {Me}", error.Message, StringComparison.Ordinal);
        Assert.Contains("XDG_RUNTIME_DIR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusal_messages_name_the_path()
    {
        var error = Refused(PrivateDirectory.Decide("/tmp/somewhere", Existing(owner: 0), Me));

        Assert.Contains("/tmp/somewhere", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("700", "0700")]
    [InlineData("755", "0755")]
    [InlineData("4755", "4755")]
    [InlineData("0", "0000")]
    public void Octal_renders_a_mode_with_four_digits(string mode, string expected)
    {
        Assert.Equal(expected, PrivateDirectory.Octal(Octal(mode)));
    }

    [Property]
    public Property Only_our_own_real_directory_is_ever_used_or_tightened() =>
        Prop.ForAll(
            Arb.From(
                from isDirectory in Gen.Elements(true, false)
                from isLink in Gen.Elements(true, false)
                from owner in Gen.Elements(0u, Me, 1001u)
                from mode in Gen.Choose(0, Octal("7777"))
                select new DirectoryFacts(isDirectory, isLink, owner, mode)),
            facts =>
            {
                var decision = PrivateDirectory.Decide(Dir, Some(facts), Me);
                var ours = facts.IsDirectory && !facts.IsSymbolicLink && facts.OwnerUid == Me;

                return decision switch
                {
                    PrivateDirectoryDecision.Refuse refuse => !ours && refuse.Error.Code == PathErrorCode.UnsafeDirectory,
                    PrivateDirectoryDecision.UseAsIs => ours && (facts.Mode & Octal("777")) == Octal("700"),
                    PrivateDirectoryDecision.Tighten tighten => ours && (facts.Mode & Octal("777")) != Octal("700") && tighten.CurrentMode == facts.Mode,
                    PrivateDirectoryDecision.Create => false,
                    _ => false,
                };
            });

    private static PathError Refused(PrivateDirectoryDecision decision)
    {
        var refuse = Assert.IsType<PrivateDirectoryDecision.Refuse>(decision);
        Assert.Equal(PathErrorCode.UnsafeDirectory, refuse.Error.Code);
        return refuse.Error;
    }
}
