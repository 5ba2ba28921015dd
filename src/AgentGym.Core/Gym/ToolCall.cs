using System.Text.Json;

namespace AgentGym.Core.Gym;

/// <summary>An action: a tool name plus its JSON arguments (an object, or raw text that may be malformed).</summary>
public sealed record ToolCall(string Name, string ArgumentsJson)
{
    /// <summary>
    /// Optional data the agent attaches to this action, e.g. the LLM token usage and model turn that produced it.
    /// The environment never interprets it: it is copied into the step's info under "agent" (so into the trajectory),
    /// which keeps per-step agent telemetry in the one file RL users train on. Never put secrets here.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? AgentInfo { get; init; }

    public static ToolCall Create(string name, object? arguments = null) =>
        new(name, arguments is null ? "{}" : JsonSerializer.Serialize(arguments, AgentGym.Core.Json.JsonDefaults.Options));
}
