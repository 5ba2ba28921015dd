using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using AgentGym.Core.Json;

namespace AgentGym.Core.Tools;

/// <summary>Builds a tool's argument schema from its argument record, with [Description] texts.</summary>
internal static class ToolSchema
{
    public static JsonObject For<T>()
    {
        var exporterOptions = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = static (context, node) =>
            {
                var description = Describe(context.PropertyInfo?.AttributeProvider)
                    ?? Describe(context.PropertyInfo?.AssociatedParameter?.AttributeProvider);
                if (description is not null && node is JsonObject obj) obj.Insert(0, "description", description);
                return node;
            },
        };
        var schema = JsonDefaults.Options.GetJsonSchemaAsNode(typeof(T), exporterOptions).AsObject();
        schema["additionalProperties"] = false;
        schema["properties"] ??= new JsonObject();
        // Optional arguments are simply absent: a ["integer","null"] union only confuses models.
        foreach (var (_, property) in schema["properties"]!.AsObject())
        {
            if (property is JsonObject p && p["type"] is JsonArray types)
            {
                var nonNull = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList();
                if (nonNull.Count == 1) p["type"] = nonNull[0];
            }
        }
        return schema;
    }

    private static string? Describe(ICustomAttributeProvider? provider) =>
        provider?.GetCustomAttributes(typeof(DescriptionAttribute), inherit: true).OfType<DescriptionAttribute>().FirstOrDefault()?.Description;
}
