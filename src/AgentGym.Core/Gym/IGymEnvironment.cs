namespace AgentGym.Core.Gym;

/// <summary>
/// The gym's core API, with Gymnasium semantics: reset once, then step until terminated or truncated.
/// </summary>
public interface IGymEnvironment : IAsyncDisposable
{
    /// <summary>The tools an agent may call, with their argument schemas.</summary>
    IReadOnlyList<ToolDescriptor> Tools { get; }

    /// <summary>The current episode, or null before the first reset.</summary>
    EpisodeInfo? Episode { get; }

    Task<ResetResult> ResetAsync(ResetOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Executes one tool call. Bad arguments or a failing tool give an error observation, never an exception;
    /// the step is in the trajectory file before this returns.
    /// </summary>
    Task<StepResult> StepAsync(ToolCall call, CancellationToken cancellationToken = default);

    /// <summary>
    /// The telemetry of a run of the current episode: every event so far, then live ones until the run ends.
    /// Throws KeyNotFoundException for an unknown run id.
    /// </summary>
    IAsyncEnumerable<Runs.RunEvent> WatchRunAsync(string runId, CancellationToken cancellationToken = default);
}
