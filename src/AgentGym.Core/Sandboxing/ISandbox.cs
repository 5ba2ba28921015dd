namespace AgentGym.Core.Sandboxing;

/// <summary>
/// Runs one training command in isolation (docs/architecture.md, "The sandbox contract"). Implementations live in AgentGym.Sandbox.
/// A failed run (non-zero exit, timeout, out of memory, cancellation) is a result with a reason, not an exception;
/// exceptions mean the sandbox itself could not be used.
/// </summary>
public interface ISandbox
{
    /// <summary>A short name for logs and results, e.g. docker or local.</summary>
    string Name { get; }

    /// <summary>
    /// Runs the request to completion, reporting each output line as it arrives. Cancelling the token stops the run
    /// (the result then says Cancelled).
    /// </summary>
    Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken);
}

/// <summary>Receives output lines as they arrive; called from the sandbox's reader, one line at a time.</summary>
public interface ISandboxOutput
{
    void OnLine(SandboxLine line);
}
