using System.Text.Json.Serialization;
using AgentGym.Core.Scoring;

namespace AgentGym.Core.Review;

/// <summary>
/// The code review's entry in a verdict (checks.review), next to the measured checks. Passed is false only when the
/// policy zeroed the reward; a judge that could not answer leaves it passed and <see cref="Skipped"/>.
/// </summary>
public sealed record ReviewCheck : VerdictCheck
{
    /// <summary>The policy in force: "report" or "zero:T".</summary>
    public required string Policy { get; init; }

    public required string JudgeModel { get; init; }
    public required IReadOnlyList<ReviewFinding> Findings { get; init; }

    /// <summary>True when there is no review to go by (the judge could not answer or be understood; see Error).</summary>
    public bool Skipped { get; init; }

    public string? Error { get; init; }

    /// <summary>One line in words, whether or not it passed (Reason is set only on failure).</summary>
    public required string Summary { get; init; }

    /// <summary>What the review cost; tokens absent (null) when the provider did not report them.</summary>
    public required ReviewCost Usage { get; init; }

    public string? RawReply { get; init; }
}

/// <summary>The review's usage in the keys of an agent's usage, so it can be added to the episode's.</summary>
public sealed record ReviewCost
{
    public int ModelCalls { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public long? TotalTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public long? ReasoningTokens { get; init; }

    public static ReviewCost Of(ReviewOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var u = outcome.Usage;
        return new ReviewCost
        {
            ModelCalls = outcome.ModelCalls,
            InputTokens = u?.InputTokens,
            OutputTokens = u?.OutputTokens,
            TotalTokens = u is null ? null : u.InputTokens + u.OutputTokens,
            CachedInputTokens = u?.CachedInputTokens,
            ReasoningTokens = u?.ReasoningTokens,
        };
    }
}
