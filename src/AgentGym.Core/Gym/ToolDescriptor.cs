using System.Text.Json.Nodes;

namespace AgentGym.Core.Gym;

/// <summary>
/// What an agent-facing tool declares: its stable name, a description for the model, and the JSON schema of its
/// arguments. Semantic Kernel, the HTTP API and MCP all read this one declaration.
/// </summary>
public sealed record ToolDescriptor(string Name, string Description, JsonObject ParametersSchema);
