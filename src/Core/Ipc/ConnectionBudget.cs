using LanguageExt;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>A process's descriptors at one moment: its soft limit and how many are open.</summary>
/// <param name="Limit">The soft <c>RLIMIT_NOFILE</c>.</param>
/// <param name="InUse">How many descriptors are open (assemblies, logs, the listener, …).</param>
public sealed record DescriptorUse(ulong Limit, int InUse);

/// <summary>
/// How many connections a server holds open at once. Every connection costs a descriptor; a server that takes them all
/// leaves none for the runtime and the application (a new thread, a file, a log), and a .NET process that runs out of
/// descriptors can fail fatally ("Out of memory" while creating a thread). So by default a server stops accepting while
/// it holds what is left of the descriptor limit after those already open and a reserve; further clients wait in the
/// backlog and are accepted as others close. Pure.
/// </summary>
internal static class ConnectionBudget
{
    /// <summary>The fewest descriptors kept back for everything but connections.</summary>
    public const int MinimumReserve = 32;

    /// <summary>
    /// The connection limit: <paramref name="configured"/> when given (and positive); else the descriptor limit less
    /// those in use and a reserve of an eighth of the limit (at least <see cref="MinimumReserve"/>), never below 1;
    /// unlimited when there is no limit.
    /// </summary>
    public static int Decide(Option<int> configured, Option<DescriptorUse> descriptors) =>
        configured.Filter(c => c > 0).Match(
            Some: c => c,
            None: () => descriptors.Match(
                Some: use =>
                {
                    var taken = (ulong)Math.Max(0, use.InUse) + Math.Max(MinimumReserve, use.Limit / 8);
                    var budget = use.Limit > taken ? use.Limit - taken : 1;
                    return budget >= int.MaxValue ? int.MaxValue : (int)budget;
                },
                None: () => int.MaxValue));
}
