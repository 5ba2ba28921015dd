namespace AgentGym.Core.Runs;

/// <summary>
/// Live telemetry of a run, in arrival order: log lines (kind "log"), parsed metric lines (kind "metric", which
/// follow their log line), and one final "end" event with the run's state.
/// </summary>
public sealed record RunEvent
{
    public required long Sequence { get; init; }
    public required string Kind { get; init; }
    public required double HostMs { get; init; }
    public string? Stream { get; init; }
    public string? Text { get; init; }
    public MetricEvent? Metric { get; init; }
    public string? State { get; init; }

    public const string LogKind = "log";
    public const string MetricKind = "metric";
    public const string EndKind = "end";
}
