using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>One use of another assembly's member inside a method body.</summary>
/// <param name="Caller">The outermost declaring type of the method (closures and state machines count as their owner's), "Namespace.Type".</param>
/// <param name="Method">The method whose body holds the use.</param>
/// <param name="Member">"Namespace.Type.Member" of what is used.</param>
/// <param name="Signature">The member's parameter types, comma-separated ("" for fields and parameterless methods).</param>
internal sealed record MemberUse(string Caller, string Method, string Member, string Signature)
{
    public override string ToString() => $"{Caller}.{Method} uses {Member}({Signature})";
}

/// <summary>
/// Reads the IL of every method of an assembly and reports which external members each one calls, constructs, loads
/// or takes the address of — so a test can say which code touches the OS, the clock or the environment, attributed to
/// the type that owns the code (the assembly-wide reference table cannot tell the composition root from the rest).
/// </summary>
internal static class IlScanner
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    public static List<MemberUse> Scan(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var uses = new List<MemberUse>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            var owner = OutermostName(md, type);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                    continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                var methodName = $"{md.GetString(type.Name)}::{md.GetString(method.Name)}";
                foreach (var token in Tokens(body.GetILReader()))
                {
                    var use = Resolve(md, token);
                    if (use is not null)
                        uses.Add(new MemberUse(owner, methodName, use.Value.Member, use.Value.Signature));
                }
            }
        }

        return uses;
    }

    /// <summary>The metadata tokens of every instruction whose operand is a member (call, newobj, ldsfld, ldftn…).</summary>
    private static IEnumerable<int> Tokens(BlobReader il)
    {
        var tokens = new List<int>();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            switch (Operands[code])
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineTok:
                    tokens.Add(il.ReadInt32());
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.ReadByte();
                    break;
                case OperandType.InlineVar:
                    il.ReadInt16();
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.ReadInt64();
                    break;
                case OperandType.InlineSwitch:
                    var count = il.ReadInt32();
                    for (var i = 0; i < count; i++)
                        il.ReadInt32();
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, InlineType, ShortInlineR
                    il.ReadInt32();
                    break;
            }
        }

        return tokens;
    }

    private static (string Member, string Signature)? Resolve(MetadataReader md, int token)
    {
        var handle = MetadataTokens.EntityHandle(token);
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                var parent = ParentName(md, reference.Parent);
                if (parent is null)
                    return null;
                var signature = reference.GetKind() == MemberReferenceKind.Method
                    ? string.Join(",", reference.DecodeMethodSignature(new TypeNames(md), null).ParameterTypes)
                    : "";
                return ($"{parent}.{md.GetString(reference.Name)}", signature);
            case HandleKind.MethodSpecification:
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                return Resolve(md, MetadataTokens.GetToken(spec.Method));
            default:
                return null; // definitions in this assembly: their own bodies are scanned
        }
    }

    private static string? ParentName(MetadataReader md, EntityHandle parent) => parent.Kind switch
    {
        HandleKind.TypeReference => TypeRefName(md, (TypeReferenceHandle)parent),
        HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)parent)
            .DecodeSignature(new TypeNames(md), null) is var name && name.IndexOf('<') is var lt and > 0 ? name[..lt] : null,
        _ => null,
    };

    private static string TypeRefName(MetadataReader md, TypeReferenceHandle handle)
    {
        var type = md.GetTypeReference(handle);
        var name = md.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? $"{TypeRefName(md, (TypeReferenceHandle)type.ResolutionScope)}+{name}"
            : $"{md.GetString(type.Namespace)}.{name}";
    }

    private static string OutermostName(MetadataReader md, TypeDefinition type)
    {
        while (type.GetDeclaringType() is { IsNil: false } declaring)
            type = md.GetTypeDefinition(declaring);
        var ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? md.GetString(type.Name) : $"{ns}.{md.GetString(type.Name)}";
    }

    /// <summary>Decodes signature types to readable names ("System.TimeSpan", "System.TimeProvider").</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = md.GetTypeDefinition(handle);
            return $"{md.GetString(type.Namespace)}.{md.GetString(type.Name)}";
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeRefName(md, handle);

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType;

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            $"{genericType}<{string.Join(",", typeArguments)}>";

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
    }
}
