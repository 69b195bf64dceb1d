using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Logging;

/// <summary>What one entry says, gathered once and handed to a format.</summary>
/// <param name="Timestamp">When it was logged (the provider's <see cref="TimeProvider"/>).</param>
/// <param name="Level">Its level.</param>
/// <param name="Category">The logger's category.</param>
/// <param name="EventId">Its event id and name.</param>
/// <param name="Message">The rendered message.</param>
/// <param name="Exception">The exception, if any.</param>
/// <param name="State">The structured values (for a message template: its named values and <c>{OriginalFormat}</c>).</param>
/// <param name="Scopes">The scopes around it; null when they are not written.</param>
internal readonly record struct LogEntryFacts(
    DateTimeOffset Timestamp,
    LogLevel Level,
    string Category,
    EventId EventId,
    string Message,
    Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>>? State,
    IExternalScopeProvider? Scopes);
