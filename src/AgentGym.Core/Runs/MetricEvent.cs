namespace AgentGym.Core.Runs;

/// <summary>One parsed speedrun log line, stamped with when the host saw it (ms since the run started).</summary>
public sealed record MetricEvent
{
    public required int Step { get; init; }
    public int? TotalSteps { get; init; }
    public double? TrainLoss { get; init; }
    public double? ValLoss { get; init; }
    public double? TrainTimeMs { get; init; }
    public double? StepAvgMs { get; init; }

    /// <summary>Host-observed milliseconds since the run started when the line arrived.</summary>
    public required double HostMs { get; init; }
}
