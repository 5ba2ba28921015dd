using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

/// <summary>
/// Checks raw model-written arguments against a tool's schema and says exactly what is wrong, in words a model can act
/// on (the serializer's own messages name CLR types).
/// </summary>
internal static class ArgumentValidator
{
    public static bool TryParse(string toolName, string? argumentsJson, JsonObject schema, out JsonElement arguments, out string error)
    {
        arguments = default;
        error = "";
        var text = string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            error = $"Invalid arguments for {toolName}: not valid JSON ({ex.Message}). Expected a JSON object: {Usage(schema)}.";
            return false;
        }
        catch (ArgumentException)
        {
            // The text itself cannot be turned into UTF-8: it holds half of a UTF-16 surrogate pair.
            error = $"Invalid arguments for {toolName}: {TextRule.Problem(text) ?? "they are not valid text"}. Send whole characters. Expected: {Usage(schema)}.";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"Invalid arguments for {toolName}: expected a JSON object, got {Kind(root)}. Expected: {Usage(schema)}.";
                return false;
            }

            var properties = schema["properties"]?.AsObject() ?? [];
            var required = schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
            var problems = new List<string>();
            foreach (var name in required.Where(r => !root.TryGetProperty(r, out _)))
                problems.Add($"missing required argument '{name}' ({TypeOf(properties[name])})");

            foreach (var property in root.EnumerateObject())
            {
                if (!properties.TryGetPropertyValue(property.Name, out var propertySchema))
                {
                    problems.Add($"unknown argument '{property.Name}'");
                    continue;
                }
                var expected = TypeOf(propertySchema);
                if (property.Value.ValueKind == JsonValueKind.Null && !required.Contains(property.Name)) continue;
                if (!Matches(property.Value, expected))
                    problems.Add($"argument '{property.Name}' must be {Article(expected)} {expected}, got {Kind(property.Value)}");
                else if (expected == "integer" && !property.Value.TryGetInt32(out _))
                    problems.Add($"argument '{property.Name}' must be an integer from {int.MinValue} to {int.MaxValue}, got {property.Value.GetRawText()}");
                else if (property.Value.ValueKind == JsonValueKind.String && TextProblem(property.Value) is { } textProblem)
                    problems.Add($"argument '{property.Name}' holds {textProblem}; {TextRule.Statement}");
            }

            if (problems.Count > 0)
            {
                error = $"Invalid arguments for {toolName}: {string.Join("; ", problems)}. Expected: {Usage(schema)}.";
                return false;
            }
            arguments = root.Clone();
            return true;
        }
    }

    /// <summary>Why a string argument breaks the text rule (a lone surrogate escape such as \ud800, a NUL), or null.</summary>
    private static string? TextProblem(JsonElement value)
    {
        try
        {
            return TextRule.Problem(value.GetString());
        }
        catch (InvalidOperationException)
        {
            return "an escape of half a UTF-16 surrogate pair (such as \\ud800 alone), which is no character";
        }
    }

    /// <summary>A one-line summary such as {path: string, start_line?: integer}.</summary>
    public static string Usage(JsonObject schema)
    {
        var properties = schema["properties"]?.AsObject() ?? [];
        var required = schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
        return "{" + string.Join(", ", properties.Select(p => $"{p.Key}{(required.Contains(p.Key) ? "" : "?")}: {TypeOf(p.Value)}")) + "}";
    }

    private static string TypeOf(JsonNode? propertySchema) => propertySchema?["type"] switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray a => string.Join("|", a.Select(t => t!.GetValue<string>()).Where(t => t != "null")),
        _ => "any",
    };

    private static bool Matches(JsonElement value, string expected) => expected switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => true,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"a string ({Preview(value.GetString())})",
        JsonValueKind.Number => $"a number ({value.GetRawText()})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({value.GetRawText()})",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };

    private static string Preview(string? s) => s is null ? "null" : s.Length <= 20 ? $"\"{s}\"" : $"\"{s[..20]}...\"";

    private static string Article(string word) => word.Length > 0 && "aeiou".Contains(word[0]) ? "an" : "a";
}
