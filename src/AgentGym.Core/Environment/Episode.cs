using System.Text.Json.Nodes;
using AgentGym.Core.Tools;
using AgentGym.Core.Trajectories;

namespace AgentGym.Core.Environment;

/// <summary>One episode's state: step count, budgets, trajectory, and the tools' context.</summary>
internal sealed class Episode(EpisodeInfo info, Tasks.TaskManifest task, EpisodeBudgets budgets, long startTimestamp, TrajectoryWriter trajectory, ToolContext context) : IAsyncDisposable
{
    private int _steps;
    private bool _over;

    public EpisodeInfo Info { get; } = info;
    public long StartTimestamp { get; } = startTimestamp;
    public TrajectoryWriter Trajectory { get; } = trajectory;
    public Runs.RunManager Runs => context.Runs;

    public async Task<StepResult> StepAsync(ToolCall call, ToolRegistry registry, CancellationToken cancellationToken)
    {
        var time = context.Time;
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        _steps++;

        ToolResult result;
        if (_over)
        {
            result = ToolResult.Error("The episode is over (it was submitted or ran out of budget); call reset to start a new one.");
        }
        else
        {
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
                result = ToolResult.Error($"{call.Name} failed with an internal error: {ex.GetType().Name}: {ex.Message}");
            }
        }

        var terminated = !_over && result.EndsEpisode;
        var truncatedBy = _over || terminated ? null : BudgetExhausted(result);
        var truncated = truncatedBy is not null;
        var info = result.Info is null ? new JsonObject() : (JsonObject)result.Info.DeepClone();
        info["step"] = _steps;
        info["task_id"] = task.Id;
        if (truncatedBy is not null) info["truncated_by"] = truncatedBy;
        if (call.AgentInfo is not null) info["agent"] = call.AgentInfo.DeepClone();
        var observationText = truncated
            ? result.Text + $"\n[The episode is truncated: the {truncatedBy} budget is used up.]"
            : result.Text;
        var reward = _over ? 0 : result.Reward;
        if (terminated || truncated) _over = true;

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
        return new StepResult(new Observation(observationText, result.IsError), reward, terminated, truncated, (JsonObject)info.DeepClone());
    }

    private string? BudgetExhausted(ToolResult result)
    {
        if (result.Info?["budget_exhausted"] is JsonValue v) return v.GetValue<string>().Replace('_', ' ');
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
