namespace AgentGym.Core.Scoring;

/// <summary>What a verification is doing now, for the CLI, HTTP/SSE and MCP progress notifications.</summary>
/// <param name="Phase">source, train, verify_model, checks or done.</param>
/// <param name="Pair">1-based pair number (0 outside the pairs).</param>
/// <param name="Pairs">How many pairs this verification runs.</param>
/// <param name="Role">Which run of the pair, during train and verify_model.</param>
/// <param name="Step">Steps done so far and in all, for a progress bar (every run and model check is one step).</param>
public sealed record VerificationProgress(string Phase, int Pair, int Pairs, PairRole? Role, int Step, int TotalSteps, string Message);
