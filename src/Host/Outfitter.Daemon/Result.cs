using System.Diagnostics.CodeAnalysis;

namespace Outfitter.Daemon;

/// <summary>
/// The outcome of an operation that can fail in an expected way (a daemon already running, a refused connection, a
/// timeout): either a value or a typed error, never both, modelled on Polly's <c>Outcome&lt;T&gt;</c> and NodaTime's
/// <c>ParseResult&lt;T&gt;</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <c>default(Result&lt;TValue, TError&gt;)</c> is neither a success nor a failure: <see cref="IsSuccess"/> and
/// <see cref="IsFailure"/> are both false and every accessor throws, so a forgotten assignment can never read as success.
/// Values and errors convert implicitly, so a method returning a result can <c>return handle;</c> or
/// <c>return error;</c>.
/// </remarks>
/// <typeparam name="TValue">The value on success.</typeparam>
/// <typeparam name="TError">The error on failure.</typeparam>
public readonly struct Result<TValue, TError> : IEquatable<Result<TValue, TError>>
{
    private const byte Succeeded = 1;
    private const byte Failed = 2;

    private readonly TValue? _value;
    private readonly TError? _error;
    private readonly byte _state;

    private Result(byte state, TValue? value, TError? error)
    {
        _state = state;
        _value = value;
        _error = error;
    }

    /// <summary>A success holding <paramref name="value"/>.</summary>
    public static Result<TValue, TError> Success(TValue value) => new(Succeeded, value, default);

    /// <summary>A failure holding <paramref name="error"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static Result<TValue, TError> Failure(TError error) =>
        error is null ? throw new ArgumentNullException(nameof(error)) : new(Failed, default, error);

    /// <summary>True when the operation succeeded and <see cref="Value"/> holds its value.</summary>
    public bool IsSuccess => _state == Succeeded;

    /// <summary>True when the operation failed and <see cref="Error"/> says why.</summary>
    public bool IsFailure => _state == Failed;

    /// <summary>The value.</summary>
    /// <exception cref="InvalidOperationException">The result is a failure (the message names its error) or <c>default</c>.</exception>
    public TValue Value => _state switch
    {
        Succeeded => _value!,
        Failed => throw new InvalidOperationException($"The operation failed, so there is no value: {_error}"),
        _ => throw Uninitialised(),
    };

    /// <summary>The error.</summary>
    /// <exception cref="InvalidOperationException">The result is a success or <c>default</c>.</exception>
    public TError Error => _state switch
    {
        Failed => _error!,
        Succeeded => throw new InvalidOperationException("The operation succeeded, so there is no error."),
        _ => throw Uninitialised(),
    };

    /// <summary>Gets the value when the operation succeeded.</summary>
    /// <returns>True on success.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out TValue value)
    {
        value = _state == Succeeded ? _value! : default;
        return _state == Succeeded;
    }

    /// <summary>
    /// Gets the value on success, or the error on failure, in one call:
    /// <c>if (!result.TryGetValue(out var handle, out var error)) { … error.Message … }</c>.
    /// </summary>
    /// <returns>True on success.</returns>
    /// <exception cref="InvalidOperationException">The result is <c>default</c>.</exception>
    public bool TryGetValue([MaybeNullWhen(false)] out TValue value, [MaybeNullWhen(true)] out TError error)
    {
        if (_state == 0)
            throw Uninitialised();
        value = _state == Succeeded ? _value! : default;
        error = _state == Failed ? _error! : default;
        return _state == Succeeded;
    }

    /// <summary>Gets the error when the operation failed.</summary>
    /// <returns>True on failure.</returns>
    public bool TryGetError([MaybeNullWhen(false)] out TError error)
    {
        error = _state == Failed ? _error! : default;
        return _state == Failed;
    }

    /// <summary>Returns <paramref name="success"/>'s or <paramref name="failure"/>'s answer, whichever case this is.</summary>
    /// <exception cref="InvalidOperationException">The result is <c>default</c>.</exception>
    public TResult Match<TResult>(Func<TValue, TResult> success, Func<TError, TResult> failure)
    {
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(failure);
        return _state switch
        {
            Succeeded => success(_value!),
            Failed => failure(_error!),
            _ => throw Uninitialised(),
        };
    }

    /// <summary>Runs <paramref name="success"/> or <paramref name="failure"/>, whichever case this is.</summary>
    /// <exception cref="InvalidOperationException">The result is <c>default</c>.</exception>
    public void Switch(Action<TValue> success, Action<TError> failure)
    {
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(failure);
        switch (_state)
        {
            case Succeeded:
                success(_value!);
                break;
            case Failed:
                failure(_error!);
                break;
            default:
                throw Uninitialised();
        }
    }

    /// <summary>The value mapped by <paramref name="map"/> on success; the same error on failure.</summary>
    public Result<TNew, TError> Map<TNew>(Func<TValue, TNew> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return _state switch
        {
            Succeeded => Result<TNew, TError>.Success(map(_value!)),
            Failed => Result<TNew, TError>.Failure(_error!),
            _ => throw Uninitialised(),
        };
    }

    /// <summary>The next operation's result on success; the same error on failure (the next operation does not run).</summary>
    public Result<TNew, TError> Then<TNew>(Func<TValue, Result<TNew, TError>> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return _state switch
        {
            Succeeded => next(_value!),
            Failed => Result<TNew, TError>.Failure(_error!),
            _ => throw Uninitialised(),
        };
    }

    /// <summary>The value on success; <paramref name="fallback"/> on failure.</summary>
    public TValue GetValueOrDefault(TValue fallback) => _state == Succeeded ? _value! : fallback;

    /// <summary>Deconstructs into <c>var (ok, value, error) = result;</c>: exactly one of value and error is set.</summary>
    public void Deconstruct(out bool isSuccess, out TValue? value, out TError? error)
    {
        isSuccess = _state == Succeeded;
        value = _value;
        error = _error;
    }

    /// <summary>A success holding <paramref name="value"/>.</summary>
    public static implicit operator Result<TValue, TError>(TValue value) => Success(value);

    /// <summary>A failure holding <paramref name="error"/>.</summary>
    public static implicit operator Result<TValue, TError>(TError error) => Failure(error);

    /// <inheritdoc />
    public bool Equals(Result<TValue, TError> other) =>
        _state == other._state
        && EqualityComparer<TValue?>.Default.Equals(_value, other._value)
        && EqualityComparer<TError?>.Default.Equals(_error, other._error);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Result<TValue, TError> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_state, _value, _error);

    /// <summary>Whether two results are the same case with equal contents.</summary>
    public static bool operator ==(Result<TValue, TError> left, Result<TValue, TError> right) => left.Equals(right);

    /// <summary>Whether two results differ in case or contents.</summary>
    public static bool operator !=(Result<TValue, TError> left, Result<TValue, TError> right) => !left.Equals(right);

    /// <summary><c>Success(value)</c>, <c>Failure(error)</c> or <c>default</c>.</summary>
    public override string ToString() => _state switch
    {
        Succeeded => $"Success({_value})",
        Failed => $"Failure({_error})",
        _ => "default",
    };

    private static InvalidOperationException Uninitialised() =>
        new($"This {nameof(Result<TValue, TError>)} is default: it was never assigned a success or a failure.");
}
