using System.Reflection;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The shell speaks plain C# (issue 11 §4, docs/adr/0009): starting from every public type of the facade and the hosting
/// package, and following every public and protected member's types (parameters, returns, properties, fields, events,
/// base types, interfaces, generic arguments) into whatever assembly they lead, no LanguageExt type is reachable, except
/// through the opt-in <c>Outfitter.Daemon.Functional</c> namespace. The scan does not enter the port interfaces
/// (<c>Outfitter.Daemon.Core.Ports</c>): they are the seam for adapters and fakes, written in the core's functional types on
/// purpose (ADR 0009), and a user meets them only by choosing to pass an OS of their own. For the same reason the testing
/// kit (<c>Outfitter.Daemon.Testing</c>), whose fakes implement those ports, is not a root.
/// </summary>
public sealed class PublicSurfaceTests
{
    private const string PortsNamespace = "Outfitter.Daemon.Core.Ports";
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_LanguageExt_type_is_reachable_from_the_facade_or_hosting_public_surface()
    {
        var roots = new[] { typeof(IpcServer).Assembly, typeof(Hosting.DaemonHost).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.Namespace != "Outfitter.Daemon.Functional")
            .ToList();
        Assert.True(roots.Count > 20, "the scan found no public types");

        var paths = new Dictionary<Type, string>();
        var queue = new Queue<Type>();
        foreach (var root in roots)
            Visit(root, root.FullName!);

        var leaks = paths.Where(p => p.Key.Namespace?.StartsWith("LanguageExt", StringComparison.Ordinal) == true)
            .Select(p => p.Value)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(leaks.Count == 0, "LanguageExt is reachable from the C# surface:\n" + string.Join("\n", leaks));
        return;

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
