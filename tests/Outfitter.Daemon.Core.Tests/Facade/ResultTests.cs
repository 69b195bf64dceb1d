using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Functional;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The facade's own result type: the members C# users expect, and a <c>default</c> that is never a success.</summary>
public sealed class ResultTests
{
    private sealed record Oops(string Message);

    [Fact]
    public void A_success_exposes_its_value_through_every_accessor()
    {
        Result<int, Oops> result = 42;

        Assert.True(result.IsSuccess);
        Assert.False(result.IsFailure);
        Assert.Equal(42, result.Value);
        Assert.True(result.TryGetValue(out var value));
        Assert.Equal(42, value);
        Assert.True(result.TryGetValue(out var both, out var error));
        Assert.Equal(42, both);
        Assert.Null(error);
        Assert.False(result.TryGetError(out _));
        Assert.Equal("ok 42", result.Match(v => $"ok {v}", e => e.Message));
        var (ok, v2, e2) = result;
        Assert.True(ok);
        Assert.Equal(42, v2);
        Assert.Null(e2);
        Assert.Throws<InvalidOperationException>(() => result.Error);
        Assert.Equal("Success(42)", result.ToString());
    }

    [Fact]
    public void A_failure_exposes_its_error_and_refuses_its_value_with_the_error_in_the_message()
    {
        Result<int, Oops> result = new Oops("no daemon");

        Assert.False(result.IsSuccess);
        Assert.True(result.IsFailure);
        Assert.Equal("no daemon", result.Error.Message);
        Assert.False(result.TryGetValue(out _));
        Assert.False(result.TryGetValue(out _, out var error));
        Assert.Equal("no daemon", error.Message);
        Assert.True(result.TryGetError(out var again));
        Assert.Same(error, again);
        Assert.Equal(7, result.GetValueOrDefault(7));
        var thrown = Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Contains("no daemon", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_is_neither_success_nor_failure_and_every_accessor_says_so()
    {
        var result = default(Result<int, Oops>);

        Assert.False(result.IsSuccess);
        Assert.False(result.IsFailure);
        Assert.False(result.TryGetValue(out _));
        Assert.False(result.TryGetError(out _));
        Assert.Contains("default", Assert.Throws<InvalidOperationException>(() => result.Value).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => result.Error);
        Assert.Throws<InvalidOperationException>(() => result.TryGetValue(out _, out _));
        Assert.Throws<InvalidOperationException>(() => result.Match(_ => 1, _ => 2));
        Assert.Throws<InvalidOperationException>(() => result.Switch(_ => { }, _ => { }));
        Assert.Throws<InvalidOperationException>(() => result.Map(v => v));
        Assert.Equal("default", result.ToString());
    }

    [Fact]
    public void A_failure_needs_an_error()
    {
        Assert.Throws<ArgumentNullException>(() => Result<int, Oops>.Failure(null!));
    }

    [Fact]
    public void Switch_runs_exactly_the_matching_branch()
    {
        var calls = new List<string>();
        Result<int, Oops> ok = 1;
        Result<int, Oops> failed = new Oops("x");

        ok.Switch(v => calls.Add($"value {v}"), e => calls.Add($"error {e.Message}"));
        failed.Switch(v => calls.Add($"value {v}"), e => calls.Add($"error {e.Message}"));

        Assert.Equal(["value 1", "error x"], calls);
    }

    [Fact]
    public void Then_does_not_run_the_next_step_after_a_failure()
    {
        var ran = false;
        Result<int, Oops> failed = new Oops("x");

        var next = failed.Then(v => { ran = true; return Result<string, Oops>.Success(v.ToString()); });

        Assert.False(ran);
        Assert.Equal("x", next.Error.Message);
    }

    [Fact]
    public void Done_is_one_value()
    {
        Result<Done, Oops> stopped = Done.Value;

        Assert.True(stopped.IsSuccess);
        Assert.Equal(default, stopped.Value);
        Assert.Equal(Done.Value, new Done());
        Assert.Equal("Done", Done.Value.ToString());
    }

    [Fact]
    public void The_functional_surface_converts_both_ways()
    {
        Assert.Equal(Right<Oops, int>(3), Result<int, Oops>.Success(3).ToEither());
        Assert.Equal(Left<Oops, int>(new Oops("x")), Result<int, Oops>.Failure(new Oops("x")).ToEither());
        Assert.Equal(Result<int, Oops>.Success(3), Right<Oops, int>(3).ToResult());
        Assert.Equal(Result<Done, Oops>.Failure(new Oops("y")), Left<Oops, LanguageExt.Unit>(new Oops("y")).ToResult());
    }

    private static Gen<Result<int, string>> Results =>
        Gen.OneOf(
            ArbMap.Default.GeneratorFor<int>().Select(Result<int, string>.Success),
            ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => Result<int, string>.Failure(s.Get)));

    [Property]
    public Property Exactly_one_of_value_and_error_is_present_and_Match_agrees_with_TryGetValue() =>
        Prop.ForAll(Arb.From(Results), r =>
        {
            var hasValue = r.TryGetValue(out var value);
            var hasError = r.TryGetError(out var error);
            return hasValue != hasError
                && hasValue == r.IsSuccess
                && r.Match(v => hasValue && v == value, e => hasError && e == error);
        });

    [Property]
    public Property Map_and_Then_follow_the_functor_and_monad_laws() =>
        Prop.ForAll(Arb.From(Results), r =>
            r.Map(v => v) == r
            && r.Map(v => v + 1).Map(v => v * 2) == r.Map(v => (v + 1) * 2)
            && r.Then(Result<int, string>.Success) == r
            && r.Then(v => Result<int, string>.Success(v + 1)) == r.Map(v => v + 1));

    [Property]
    public Property Equality_is_by_case_and_contents_and_round_trips_through_Either() =>
        Prop.ForAll(Arb.From(Results), Arb.From(Results), (a, b) =>
            (a == b) == (a.IsSuccess == b.IsSuccess && a.ToString() == b.ToString())
            && (a == b) == a.Equals((object)b)
            && (a != b) != (a == b)
            && (a != b || a.GetHashCode() == b.GetHashCode())
            && a.ToEither().ToResult() == a);
}
