using System.Text.Json.Nodes;

namespace AgentGym.Core.Tools;

internal sealed record ToolResult(string Text, bool IsError = false)
{
    /// <summary>Set by submit: the episode terminates after this step.</summary>
    public bool EndsEpisode { get; init; }

    public double Reward { get; init; }

    public JsonObject? Info { get; init; }

    /// <summary>Set when the call found an episode budget used up (in words: "training runs"): the episode is truncated.</summary>
    public string? BudgetExhausted { get; init; }

    public static ToolResult Ok(string text) => new(text);

    public static ToolResult Error(string text) => new(text, IsError: true);
}
