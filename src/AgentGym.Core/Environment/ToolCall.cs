using System.Text.Json;

namespace AgentGym.Core.Environment;

/// <summary>An action: a tool name plus its JSON arguments (an object, or raw text that may be malformed).</summary>
public sealed record ToolCall(string Name, string ArgumentsJson)
{
    public static ToolCall Create(string name, object? arguments = null) =>
        new(name, arguments is null ? "{}" : JsonSerializer.Serialize(arguments, AgentGym.Core.Json.JsonDefaults.Options));
}
