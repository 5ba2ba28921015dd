namespace AgentGym.Core.Gym;

/// <summary>What the agent sees after a reset or a step. IsError marks a tool failure or bad arguments.</summary>
public sealed record Observation(string Text, bool IsError = false);
