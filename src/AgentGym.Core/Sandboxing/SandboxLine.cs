namespace AgentGym.Core.Sandboxing;

public enum OutputStream { Stdout, Stderr, Harness }

/// <summary>One output line, stamped with the host's monotonic clock (TimeProvider timestamp) when it arrived.</summary>
public readonly record struct SandboxLine(OutputStream Stream, string Text, long HostTimestamp);
