using System.Globalization;

namespace AgentGym.Core.Review;

/// <summary>Tokens one review used, as the judge's provider reported them.</summary>
/// <param name="CachedInputTokens">Null when the provider does not say.</param>
/// <param name="ReasoningTokens">Null when the provider does not say.</param>
public sealed record ReviewUsage(long InputTokens, long OutputTokens, long? CachedInputTokens = null, long? ReasoningTokens = null);

/// <summary>The judge's answer about one submission.</summary>
public sealed record ReviewOutcome
{
    /// <summary>Empty when the judge found nothing, and always empty when <see cref="Error"/> is set.</summary>
    public IReadOnlyList<ReviewFinding> Findings { get; init; } = [];

    /// <summary>The model that judged (as configured, or as the provider named it in its reply).</summary>
    public required string JudgeModel { get; init; }

    /// <summary>Chat requests sent for this review (0 when there was nothing to review).</summary>
    public int ModelCalls { get; init; }

    /// <summary>Tokens used; null when the provider reported none (unknown, not zero) or no call was made.</summary>
    public ReviewUsage? Usage { get; init; }

    /// <summary>Why the review has no verdict: the judge could not be reached, or its reply could not be understood. Null on success.</summary>
    public string? Error { get; init; }

    /// <summary>The judge's reply as received (null when none came).</summary>
    public string? RawReply { get; init; }

    /// <summary>One line per finding, e.g. "timing_manipulation (0.95) at train_gpt.py:285".</summary>
    public static string Describe(ReviewFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var at = finding.CitedLines.Where(c => c.Lines.Count > 0).Select(c => $"{c.File}:{string.Join(',', c.Lines)}").ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{ReviewClasses.Format(finding.Class)} ({finding.Confidence:0.##}){(at.Count > 0 ? " at " + string.Join(' ', at) : " citing no changed line")}");
    }
}

/// <summary>The snake_case names of <see cref="ReviewClass"/>, as the judge writes them.</summary>
public static class ReviewClasses
{
    public static IReadOnlyList<string> Names { get; } = ["timing_manipulation", "work_outside_timing", "evaluation_or_data_tampering", "precomputation", "other"];

    public static string Format(ReviewClass c) => Names[(int)c];

    public static bool TryParse(string? text, out ReviewClass value)
    {
        var i = text is null ? -1 : Names.ToList().IndexOf(text);
        value = i < 0 ? ReviewClass.Other : (ReviewClass)i;
        return i >= 0;
    }
}
