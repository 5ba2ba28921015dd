using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using OpenAI.Chat;

namespace AgentGym.Agents.Llm;

/// <summary>Token usage of one or more model calls, as the provider reported it.</summary>
internal readonly record struct TokenUsage(int ModelCalls, long InputTokens, long OutputTokens, long TotalTokens, long ReasoningTokens, long CachedInputTokens)
{
    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new(
        a.ModelCalls + b.ModelCalls, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens,
        a.TotalTokens + b.TotalTokens, a.ReasoningTokens + b.ReasoningTokens, a.CachedInputTokens + b.CachedInputTokens);

    /// <summary>The usage of one chat completion; a call whose provider sent no usage still counts as a call.</summary>
    public static TokenUsage Of(Microsoft.SemanticKernel.ChatMessageContent message)
    {
        var usage = message.InnerContent is ChatCompletion completion ? completion.Usage
            : message.Metadata?.TryGetValue("Usage", out var u) == true ? u as ChatTokenUsage : null;
        if (usage is null) return new TokenUsage(1, 0, 0, 0, 0, 0);
        return new TokenUsage(1, usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount,
            usage.OutputTokenDetails?.ReasoningTokenCount ?? 0, usage.InputTokenDetails?.CachedTokenCount ?? 0);
    }

    public JsonObject ToJson() => new()
    {
        ["model_calls"] = ModelCalls,
        ["input_tokens"] = InputTokens,
        ["output_tokens"] = OutputTokens,
        ["total_tokens"] = TotalTokens,
        ["reasoning_tokens"] = ReasoningTokens,
        ["cached_input_tokens"] = CachedInputTokens,
    };
}

/// <summary>
/// Counts usage for the whole episode and since the last step. Each step carries the usage of the model calls made
/// since the step before it, so summing info.agent.usage over a trajectory gives the episode's usage up to its last
/// step; agent.json holds the full total.
/// </summary>
internal sealed class UsageMeter
{
    private TokenUsage _total;
    private TokenUsage _pending;

    public void Add(TokenUsage usage)
    {
        _total += usage;
        _pending += usage;
    }

    public TokenUsage Current => _total;

    public JsonObject Total() => _total.ToJson();

    public JsonObject? TakePending()
    {
        if (_pending.ModelCalls == 0) return null;
        var json = _pending.ToJson();
        _pending = default;
        return json;
    }
}
