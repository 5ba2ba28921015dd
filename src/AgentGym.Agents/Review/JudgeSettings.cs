using AgentGym.Agents.Llm;
using AgentGym.Core.Review;

namespace AgentGym.Agents.Review;

/// <summary>How the judge is asked to shape its reply.</summary>
public enum JudgeReplyFormat
{
    /// <summary>A JSON schema response format (OpenAI structured outputs, vLLM, Ollama); on a 400 answer the judge is asked once more without it.</summary>
    JsonSchema,

    /// <summary>JSON mode (response_format json_object), for servers without schemas.</summary>
    JsonObject,

    /// <summary>No response format; the prompt alone asks for the JSON object.</summary>
    Text,
}

/// <summary>The optional code-review judge: which model reads submissions, and what its findings may do.</summary>
public sealed record JudgeSettings
{
    /// <summary>The judge's model and how it is reached (key resolution as for agents; see <see cref="ModelOptions"/>).</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>Overrides each task's verification.review; null keeps the task's (report only when it has none).</summary>
    public ReviewPolicy? Policy { get; init; }

    public JudgeReplyFormat ReplyFormat { get; init; } = JudgeReplyFormat.JsonSchema;

    /// <summary>A folder whose judge/system.md and judge/review.md override the built-in prompts.</summary>
    public string? PromptsDir { get; init; }
}
