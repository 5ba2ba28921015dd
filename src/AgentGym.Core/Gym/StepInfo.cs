using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentGym.Core.Gym;

/// <summary>
/// The typed view of a step's info. The info itself stays a JSON object, because it crosses HTTP and MCP unchanged
/// and each tool adds its own figures; .NET callers read the fields that steer them through this record, never by key.
/// </summary>
/// <param name="RunId">The run that run_training started, or that run_status and get_metrics describe.</param>
/// <param name="RunState">That run's state in snake_case: running, succeeded, failed, timed_out, cancelled, ...</param>
/// <param name="LastValLoss">The run's latest finite val_loss (nats per token), null when none or not finite.</param>
/// <param name="TrainTimeMs">The run's latest reported train_time, in milliseconds.</param>
/// <param name="Reason">Why the run ended, in the sandbox's words.</param>
/// <param name="TruncatedBy">The budget whose end truncated the episode at this step (step, wall-clock, sandbox-time, training runs).</param>
/// <param name="EpisodeOver">The call came after the episode had ended: nothing ran.</param>
public sealed record StepInfo(string? RunId, string? RunState, double? LastValLoss, double? TrainTimeMs, string? Reason, string? TruncatedBy, bool EpisodeOver)
{
    private const string RunIdKey = Runs.RunSummary.RunIdKey;
    private const string StateKey = Runs.RunSummary.StateKey;
    private const string LastValLossKey = Runs.RunSummary.LastValLossKey;
    private const string TrainTimeMsKey = Runs.RunSummary.TrainTimeMsKey;
    private const string ReasonKey = Runs.RunSummary.ReasonKey;
    internal const string TruncatedByKey = "truncated_by";
    internal const string EpisodeOverKey = "episode_over";
    internal const string TargetValLossKey = "target_val_loss";

    /// <summary>Reads the typed fields; a field of the wrong JSON type reads as absent, as a client would skip it.</summary>
    public static StepInfo Of(JsonObject? info) => new(
        Text(info, RunIdKey), Text(info, StateKey), Number(info, LastValLossKey), Number(info, TrainTimeMsKey),
        Text(info, ReasonKey), Text(info, TruncatedByKey), info?[EpisodeOverKey] is JsonValue v && v.TryGetValue<bool>(out var over) && over);

    private static string? Text(JsonObject? info, string key) =>
        info?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A JSON number of whatever CLR type the environment stored it as.</summary>
    internal static double? Number(JsonObject? info, string key) =>
        info?[key] is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
