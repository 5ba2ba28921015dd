using System.Text.Json.Nodes;
using AgentGym.Core.Tools;
using AgentGym.Core.Trajectories;

namespace AgentGym.Core.Gym;

/// <summary>One episode's state: step count, budgets, trajectory, and the tools' context.</summary>
internal sealed class Episode(EpisodeInfo info, Tasks.TaskManifest task, EpisodeBudgets budgets, long startTimestamp, TrajectoryWriter trajectory, ToolContext context) : IAsyncDisposable
{
    private int _steps;
    private StepResult? _final;

    public EpisodeInfo Info { get; } = info;
    public long StartTimestamp { get; } = startTimestamp;
    public TrajectoryWriter Trajectory { get; } = trajectory;
    public Runs.RunManager Runs => context.Runs;

    public async Task<StepResult> StepAsync(ToolCall call, ToolRegistry registry, CancellationToken cancellationToken)
    {
        // The end is latched: a client that lost the answer to its last step and retries it must see done again.
        if (_final is { } final) return AfterEnd(final);
        var time = context.Time;
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        _steps++;

        ToolResult result;
        try
        {
            result = await registry.InvokeAsync(call, context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = ToolResult.Error($"{call.Name} was cancelled.");
        }
        catch (Exception ex)
        {
            // A bug in a tool must not take the episode down: report it and keep going.
            result = ToolResult.Error($"{call.Name} failed with an internal error of the gym ({ex.Message}); nothing else changed, and the episode goes on.");
        }

        var terminated = result.EndsEpisode;
        var truncatedBy = terminated ? null : BudgetExhausted(result);
        var truncated = truncatedBy is not null;
        var info = result.Info is null ? new JsonObject() : (JsonObject)result.Info.DeepClone();
        info["step"] = _steps;
        info["task_id"] = task.Id;
        if (truncatedBy is not null) info[StepInfo.TruncatedByKey] = truncatedBy;
        if (call.AgentInfo is not null) info["agent"] = call.AgentInfo.DeepClone();
        var observationText = truncated
            ? result.Text + $"\n[The episode is truncated: the {truncatedBy} budget is used up.]"
            : result.Text;
        var reward = result.Reward;

        var duration = time.GetElapsedTime(started).TotalMilliseconds;
        Trajectory.Append(new TrajectoryEntry
        {
            Kind = TrajectoryEntry.StepKind,
            Step = _steps,
            EpisodeId = Info.EpisodeId,
            TaskId = task.Id,
            ToolCall = new TrajectoryToolCall(call.Name, call.ArgumentsJson),
            Observation = new TrajectoryObservation(observationText, result.IsError),
            Reward = reward,
            Terminated = terminated,
            Truncated = truncated,
            Info = info,
            Timings = new TrajectoryTimings(startedAt, duration),
        });
        var step = new StepResult(new Observation(observationText, result.IsError), reward, terminated, truncated, (JsonObject)info.DeepClone());
        if (terminated || truncated) _final = step;
        return step;
    }

    /// <summary>
    /// The answer to any call after the end: the final flags again, reward 0, an error observation, and
    /// info.episode_over. Nothing runs, and the call is not a step of the episode (nor a line of its trajectory).
    /// </summary>
    private StepResult AfterEnd(StepResult final)
    {
        var how = final.Terminated
            ? "it terminated (submitted)"
            : $"it was truncated ({final.Facts.TruncatedBy ?? "a"} budget used up)";
        var info = new JsonObject
        {
            ["step"] = _steps,
            ["task_id"] = task.Id,
            [StepInfo.EpisodeOverKey] = true,
            ["final_reward"] = final.Reward,
        };
        if (final.Facts.TruncatedBy is { } by) info[StepInfo.TruncatedByKey] = by;
        return new StepResult(
            new Observation($"The episode is over: {how} at step {_steps}. This call changed nothing; call reset to start a new episode.", IsError: true),
            0, final.Terminated, final.Truncated, info);
    }

    private string? BudgetExhausted(ToolResult result)
    {
        if (result.BudgetExhausted is { } exhausted) return exhausted;
        if (budgets.MaxSteps is { } maxSteps && _steps >= maxSteps) return "step";
        if (budgets.WallClock is { } wall && context.Time.GetElapsedTime(StartTimestamp) >= wall) return "wall-clock";
        if (budgets.SandboxTime is { } sandbox && context.Runs.TotalSandboxTime >= sandbox) return "sandbox-time";
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await context.Runs.DisposeAsync().ConfigureAwait(false);
        Trajectory.Dispose();
    }
}
