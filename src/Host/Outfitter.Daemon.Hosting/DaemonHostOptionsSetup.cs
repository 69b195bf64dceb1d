using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// The options the .NET way: bound from the <see cref="DaemonHostOptions.SectionName"/> section of the app's
/// configuration (the binding is source-generated, so trimming and Native AOT keep working), and validated when the host
/// starts, every problem listed.
/// </summary>
internal static class DaemonHostOptionsSetup
{
    /// <summary>Binds <paramref name="options"/> from the section, when there is a configuration.</summary>
    public static void Bind(DaemonHostOptions options, IConfiguration? configuration)
    {
        if (configuration is null)
            return;
        var section = configuration.GetSection(DaemonHostOptions.SectionName);
        if (section.Exists())
            section.Bind(options);
    }

    /// <summary>Validates with <see cref="DaemonHostOptions.Validate"/>: every problem becomes one failure.</summary>
    internal sealed class Validator : IValidateOptions<DaemonHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, DaemonHostOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var problems = options.Validate();
            return problems.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => $"{DaemonHostOptions.SectionName}: {p}"));
        }
    }
}
