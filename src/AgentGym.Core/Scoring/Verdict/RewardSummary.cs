namespace AgentGym.Core.Scoring;

/// <summary>The reward and the figures it came from. Times in ms, measured in this verification unless named reference.</summary>
public sealed record RewardSummary
{
    public required string Function { get; init; }
    public required double Value { get; init; }
    public double? Fsr { get; init; }

    /// <summary>The submission's mean verified train time over the pairs.</summary>
    public double? VerifiedTrainTimeMs { get; init; }

    /// <summary>The starting record's mean train time measured beside it.</summary>
    public double? BaselineTimeMs { get; init; }

    /// <summary>The next record's mean time measured beside it, or the start's times the reference ratio.</summary>
    public double? RecordTimeMs { get; init; }

    public double? VerifiedHeldoutLoss { get; init; }
    public required double ReferenceBaselineTimeMs { get; init; }
    public required double ReferenceRecordTimeMs { get; init; }
    public required string Note { get; init; }
}
