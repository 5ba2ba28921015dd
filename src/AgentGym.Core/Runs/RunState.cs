namespace AgentGym.Core.Runs;

/// <summary>
/// A run's state. All but Running and Diverged mirror the sandbox's outcome (in its order, shifted by one); Diverged
/// is a run whose script exited 0 after printing a non-finite loss.
/// </summary>
public enum RunState { Running, Succeeded, Failed, TimedOut, OutOfMemory, Cancelled, SandboxError, Diverged }
