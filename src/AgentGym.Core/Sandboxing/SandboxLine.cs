namespace AgentGym.Core.Sandboxing;

public enum OutputStream { Stdout, Stderr, Harness }

/// <summary>One output line, stamped with the host's monotonic clock (TimeProvider timestamp) when it arrived.</summary>
public readonly record struct SandboxLine(OutputStream Stream, string Text, long HostTimestamp);

/// <summary>A stall began (Stalled) or ended at HostTimestamp (TimeProvider timestamp); Reason says what was seen.</summary>
public readonly record struct SandboxStall(bool Stalled, long HostTimestamp, string Reason);
