namespace AgentGym.Core.Runs;

public enum RunState { Running, Succeeded, Failed, TimedOut, OutOfMemory, Cancelled, SandboxError }
