using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;

namespace AgentGym.Agents;

/// <summary>
/// One episode as an agent sees it: counts steps and reward, knows when the episode is over, and attaches the agent's
/// telemetry (which agent, token usage since the last step) to each call so that it lands in the trajectory.
/// </summary>
internal sealed class GymSession(IGymEnvironment environment, string agentName, Action<int, ToolCall, StepResult>? onStep)
{
    public IGymEnvironment Environment { get; } = environment;
    public UsageMeter Usage { get; } = new();
    public int Steps { get; private set; }
    public double TotalReward { get; private set; }
    public StepResult? Last { get; private set; }
    public bool Over => Last is { Terminated: true } or { Truncated: true };

    public EpisodeInfo Episode => Environment.Episode ?? throw new InvalidOperationException("The environment has no episode; reset it first.");

    /// <summary>Steps the environment. Extra agent info (node id, phase, model turn) is merged with the pending usage.</summary>
    public async Task<StepResult> StepAsync(ToolCall call, JsonObject? agentInfo, CancellationToken cancellationToken)
    {
        if (Over) throw new InvalidOperationException("The episode is over; no further steps can be taken.");
        var info = agentInfo ?? new JsonObject();
        info["agent"] = agentName;
        if (Usage.TakePending() is { } usage) info["usage"] = usage;
        var tagged = call with { AgentInfo = info };
        var result = await Environment.StepAsync(tagged, cancellationToken).ConfigureAwait(false);
        Steps++;
        TotalReward += result.Reward;
        Last = result;
        onStep?.Invoke(Steps, tagged, result);
        return result;
    }

    public Task<StepResult> StepAsync(string tool, object? arguments, JsonObject? agentInfo, CancellationToken cancellationToken) =>
        StepAsync(ToolCall.Create(tool, arguments), agentInfo, cancellationToken);

    public EpisodeOutcome Outcome() => new(Episode, Steps, TotalReward, Last?.Terminated ?? false, Last?.Truncated ?? false);

    /// <summary>
    /// Writes agent.json beside the trajectory: who acted, why it stopped, and the token usage of the whole episode
    /// (including model calls after the last step, which no step could carry). Holds no secrets: callers pass only
    /// the redacted model description.
    /// </summary>
    public void WriteSummary(string stopReason, JsonObject? extra = null)
    {
        var summary = new JsonObject
        {
            ["agent"] = agentName,
            ["episode_id"] = Episode.EpisodeId,
            ["stop_reason"] = stopReason,
            ["steps"] = Steps,
            ["reward"] = TotalReward,
            ["terminated"] = Last?.Terminated ?? false,
            ["truncated"] = Last?.Truncated ?? false,
            ["usage"] = Usage.Total(),
        };
        if (extra is not null)
            foreach (var (key, value) in extra) summary[key] = value?.DeepClone();
        File.WriteAllText(Path.Combine(Episode.Directory, "agent.json"), summary.ToJsonString(JsonDefaults.Indented));
    }
}
