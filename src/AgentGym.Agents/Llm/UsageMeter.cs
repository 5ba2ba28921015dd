using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace AgentGym.Agents.Llm;

/// <summary>
/// Token usage of one or more model calls, as the providers reported it. A count no call reported is null (unknown),
/// not 0; <see cref="CallsWithoutUsage"/> counts the calls whose client reported no usage at all, so a sum over calls
/// that mixes both says how much of it is known.
/// </summary>
internal readonly record struct TokenUsage(
    int ModelCalls, long? InputTokens, long? OutputTokens, long? TotalTokens, long? ReasoningTokens, long? CachedInputTokens, int CallsWithoutUsage)
{
    /// <summary>One call whose client reported no usage.</summary>
    public static TokenUsage Unknown { get; } = new(1, null, null, null, null, null, 1);

    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new(
        a.ModelCalls + b.ModelCalls, Add(a.InputTokens, b.InputTokens), Add(a.OutputTokens, b.OutputTokens),
        Add(a.TotalTokens, b.TotalTokens), Add(a.ReasoningTokens, b.ReasoningTokens), Add(a.CachedInputTokens, b.CachedInputTokens),
        a.CallsWithoutUsage + b.CallsWithoutUsage);

    private static long? Add(long? a, long? b) => a is null ? b : b is null ? a : a + b;

    /// <summary>
    /// The usage of one chat completion: OpenAI's ChatTokenUsage (the gym's own client, or an SK OpenAI connector) or
    /// Microsoft.Extensions.AI's UsageDetails (any IChatClient, through SK's adapter); anything else is unknown.
    /// </summary>
    public static TokenUsage Of(Microsoft.SemanticKernel.ChatMessageContent message)
    {
        object? usage = message.InnerContent is ChatCompletion completion ? completion.Usage : null;
        if (usage is null && message.Metadata?.TryGetValue("Usage", out var u) == true) usage = u;
        return usage switch
        {
            ChatTokenUsage o => new TokenUsage(1, o.InputTokenCount, o.OutputTokenCount, o.TotalTokenCount,
                o.OutputTokenDetails?.ReasoningTokenCount, o.InputTokenDetails?.CachedTokenCount, 0),
            UsageDetails d when d.InputTokenCount is not null || d.OutputTokenCount is not null || d.TotalTokenCount is not null =>
                new TokenUsage(1, d.InputTokenCount, d.OutputTokenCount, d.TotalTokenCount, d.ReasoningTokenCount, d.CachedInputTokenCount, 0),
            _ => Unknown,
        };
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["model_calls"] = ModelCalls,
            ["input_tokens"] = InputTokens,
            ["output_tokens"] = OutputTokens,
            ["total_tokens"] = TotalTokens,
            ["reasoning_tokens"] = ReasoningTokens,
            ["cached_input_tokens"] = CachedInputTokens,
        };
        if (CallsWithoutUsage > 0) json["calls_without_usage"] = CallsWithoutUsage;
        return json;
    }
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
