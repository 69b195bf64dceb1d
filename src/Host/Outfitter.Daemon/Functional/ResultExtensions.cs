using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Functional;

/// <summary>
/// The optional functional surface: conversions between this library's <see cref="Result{TValue, TError}"/> and
/// LanguageExt's <c>Either</c>, for users who compose with LanguageExt. Nothing else in the public API needs LanguageExt.
/// </summary>
public static class ResultExtensions
{
    /// <summary><c>Right(value)</c> on success, <c>Left(error)</c> on failure.</summary>
    /// <exception cref="InvalidOperationException">The result is <c>default</c>.</exception>
    public static Either<TError, TValue> ToEither<TValue, TError>(this Result<TValue, TError> result) =>
        result.Match(Right<TError, TValue>, Left<TError, TValue>);

    /// <summary><c>Right(unit)</c> on success, <c>Left(error)</c> on failure.</summary>
    /// <exception cref="InvalidOperationException">The result is <c>default</c>.</exception>
    public static Either<TError, Unit> ToEither<TError>(this Result<Done, TError> result) =>
        result.Match(_ => Right<TError, Unit>(unit), Left<TError, Unit>);

    /// <summary>A success for <c>Right</c>, a failure for <c>Left</c>.</summary>
    /// <exception cref="InvalidOperationException">The either is bottom (neither left nor right).</exception>
    public static Result<TValue, TError> ToResult<TError, TValue>(this Either<TError, TValue> either) =>
        either.Match(
            Right: Result<TValue, TError>.Success,
            Left: Result<TValue, TError>.Failure,
            Bottom: () => throw new InvalidOperationException("The Either is bottom: it holds neither a value nor an error."));

    /// <summary><see cref="Done"/> for <c>Right(unit)</c>, the error for <c>Left</c>.</summary>
    public static Result<Done, TError> ToResult<TError>(this Either<TError, Unit> either) =>
        either.Match(
            Right: _ => Result<Done, TError>.Success(Done.Value),
            Left: Result<Done, TError>.Failure,
            Bottom: () => throw new InvalidOperationException("The Either is bottom: it holds neither a value nor an error."));
}
