using System.Reflection;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The shell speaks plain C# (issue 11 §4, docs/adr/0009): starting from every public type of the facade, the hosting
/// package and the testing kit, and following every public and protected member's types (parameters, returns, properties,
/// fields, events, base types, interfaces, generic arguments) into whatever assembly they lead, no LanguageExt type is
/// reachable, except through the opt-in <c>Outfitter.Daemon.Functional</c> namespace, and no type of a core namespace
/// (<c>Outfitter.Daemon.Core.*</c>) other than the ports is either, so a user's code needs only <c>using Outfitter.Daemon;</c>
/// (plus <c>Outfitter.Daemon.Hosting</c> for DI and <c>Outfitter.Daemon.Testing</c> for the fakes). The scan does not enter
/// the port interfaces (<c>Outfitter.Daemon.Core.Ports</c>): they are the seam for adapters and fakes, written in the
/// core's functional types on purpose (ADR 0009), and a user meets them only by choosing to pass an OS of their own. The
/// testing kit's fakes implement those ports explicitly (members a user reaches only through the port interface), so the
/// scan sees only what a test calls to configure and inspect a fake.
/// </summary>
public sealed class PublicSurfaceTests
{
    private const string PortsNamespace = "Outfitter.Daemon.Core.Ports";
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>
    /// The core namespaces a public facade, hosting or testing-kit member may hand to a user. Only the ports
    /// (<c>Outfitter.Daemon.Core.Ports</c>: the port interfaces, the <c>DaemonPorts</c> bundle, and the launcher's
    /// <c>DaemonLaunch</c>/<c>DaemonProgram</c> records that <c>FakeLauncher</c> shows): a user who brings an OS, an adapter
    /// or a fake of their own imports them on purpose (and meets the core's functional types there). Everything else a
    /// user meets (results, reasons, identities, signals, health) is in <c>Outfitter.Daemon</c>, even where the core
    /// defines it (ADR 0009).
    /// </summary>
    private static readonly string[] AllowedCoreNamespaces = [PortsNamespace];

    [Fact]
    public void No_LanguageExt_type_is_reachable_from_the_facade_hosting_or_testing_public_surface()
    {
        var leaks = Reachable()
            .Where(p => p.Key.Namespace?.StartsWith("LanguageExt", StringComparison.Ordinal) == true)
            .Select(p => $"{p.Key.FullName}, reached by {p.Value}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(leaks.Count == 0, "LanguageExt is reachable from the C# surface:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void No_core_type_outside_the_ports_is_reachable_from_the_facade_hosting_or_testing_public_surface()
    {
        var leaks = Reachable()
            .Where(p => p.Key.Namespace is { } ns && (ns == "Outfitter.Daemon.Core" || ns.StartsWith("Outfitter.Daemon.Core.", StringComparison.Ordinal))
                        && !AllowedCoreNamespaces.Contains(ns))
            .Select(p => $"{p.Key.FullName}, reached by {p.Value}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(leaks.Count == 0, "A core namespace is needed to use the C# surface:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void The_scan_sees_the_ports_a_user_passes_but_not_the_fakes_explicit_port_implementations()
    {
        var reachable = Reachable();
        // The facade takes DaemonPorts; the scan must get there (and stop), or it would prove nothing about the ports.
        Assert.Contains(typeof(Core.Ports.DaemonPorts), reachable.Keys);
        Assert.Contains(typeof(FakeOs), reachable.Keys);
        // FakeOs implements IProcessTable explicitly: its Option-returning StartTimeOf is not a public member.
        Assert.DoesNotContain(typeof(FakeOs).GetMethods(BindingFlags.Public | BindingFlags.Instance), m => m.Name == "StartTimeOf" && m.ReturnType.Namespace == "LanguageExt");
    }

    /// <summary>Every type reachable from the roots, with the first path that led to it.</summary>
    private static Dictionary<Type, string> Reachable()
    {
        var roots = new[] { typeof(IpcServer).Assembly, typeof(Hosting.DaemonHost).Assembly, typeof(FakeMachine).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.Namespace != "Outfitter.Daemon.Functional")
            .ToList();
        Assert.True(roots.Count > 20, "the scan found no public types");

        var paths = new Dictionary<Type, string>();
        foreach (var root in roots)
            Visit(root, root.FullName!);
        return paths;

        void Visit(Type type, string path)
        {
            if (type.IsByRef || type.IsPointer || type.IsArray)
            {
                Visit(type.GetElementType()!, path);
                return;
            }

            if (type.IsGenericParameter || !paths.TryAdd(type, path))
                return;
            if (type.IsGenericType && !type.IsGenericTypeDefinition)
            {
                foreach (var argument in type.GetGenericArguments())
                    Visit(argument, path + $" <{argument.Name}>");
                Visit(type.GetGenericTypeDefinition(), path);
                return;
            }

            // Only follow into types users can see; the base library's own surface is not ours to check.
            var assembly = type.Assembly.GetName().Name ?? "";
            if (!assembly.StartsWith("Outfitter.Daemon", StringComparison.Ordinal) || !IsVisible(type))
                return;
            // The ports are the seam for adapters and fakes, written in the core's functional types on purpose (ADR 0009);
            // a user reaches them only by choosing to pass their own OS.
            if (type.Namespace == PortsNamespace)
                return;
            if (type.BaseType is { } baseType)
                Visit(baseType, path + " : " + baseType.Name);
            foreach (var iface in type.GetInterfaces())
                Visit(iface, path + " : " + iface.Name);
            // Explicit interface implementations are private methods: IsVisible skips them, so a fake's port members
            // count as the port's, not as the fake's own surface.
            foreach (var member in type.GetMembers(Declared))
            {
                switch (member)
                {
                    case MethodBase method when IsVisible(method):
                        if (method is MethodInfo m)
                            Visit(m.ReturnType, $"{path}.{m.Name} returns");
                        foreach (var parameter in method.GetParameters())
                            Visit(parameter.ParameterType, $"{path}.{method.Name}({parameter.Name})");
                        break;
                    case PropertyInfo property when property.GetMethod is { } get && IsVisible(get) || member is PropertyInfo p2 && p2.SetMethod is { } set && IsVisible(set):
                        Visit(((PropertyInfo)member).PropertyType, $"{path}.{member.Name}");
                        break;
                    case FieldInfo field when field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly:
                        Visit(field.FieldType, $"{path}.{field.Name}");
                        break;
                    case EventInfo e when e.AddMethod is { } add && IsVisible(add):
                        Visit(e.EventHandlerType!, $"{path}.{e.Name}");
                        break;
                    case Type nested when nested.IsNestedPublic || nested.IsNestedFamily || nested.IsNestedFamORAssem:
                        Visit(nested, $"{path}+{nested.Name}");
                        break;
                }
            }
        }
    }

    private static bool IsVisible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static bool IsVisible(Type type) => type.IsVisible;
}
