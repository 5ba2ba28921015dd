namespace AgentGym.Core.Sandboxing;

public enum RunOutcome
{
    Succeeded,
    Failed,
    TimedOut,
    OutOfMemory,
    Cancelled,

    /// <summary>The sandbox could not start or finish the run (engine error, missing image).</summary>
    SandboxError,
}

/// <param name="StartTimestamp">Host monotonic timestamp when the command started.</param>
/// <param name="EndTimestamp">Host monotonic timestamp when it ended.</param>
public sealed record SandboxRunResult(
    RunOutcome Outcome,
    int? ExitCode,
    string Reason,
    TimeSpan WallTime,
    long StartTimestamp,
    long EndTimestamp);
