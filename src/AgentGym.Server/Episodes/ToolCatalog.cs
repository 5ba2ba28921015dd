using System.Text.Json.Nodes;
using AgentGym.Core.Gym;

namespace AgentGym.Server.Episodes;

/// <summary>
/// The tools as the environment declares them (IGymEnvironment.Tools), plus reset for MCP, which has no separate
/// reset call. Read once from a throwaway environment so that names, descriptions and schemas are never written twice.
/// </summary>
internal sealed class ToolCatalog(IReadOnlyList<ToolDescriptor> environmentTools, string? defaultTaskId)
{
    public const string ResetName = "reset";

    public IReadOnlyList<ToolDescriptor> EnvironmentTools { get; } = environmentTools;

    public ToolDescriptor Reset { get; } = new(ResetName,
        "Start a new episode (a fresh workspace with the task's starting files) and return the task prompt. " +
        "Calling it again abandons the current episode. Every other tool acts on the episode started here.",
        ResetRequest.Schema(defaultTaskId));

    public static async Task<ToolCatalog> LoadAsync(GymOptions gym, string? defaultTaskId)
    {
        var probe = GymEnvironment.Create(gym);
        await using (probe.ConfigureAwait(false))
            return new ToolCatalog(probe.Tools.ToList(), defaultTaskId);
    }

    public static JsonObject ToJson(ToolDescriptor tool) => new()
    {
        ["name"] = tool.Name,
        ["description"] = tool.Description,
        ["parameters"] = tool.ParametersSchema.DeepClone(),
    };
}
