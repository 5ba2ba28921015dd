using AgentGym.Core.Sandboxing;

namespace AgentGym.Eval.Scheduling;

/// <summary>
/// Gives every run of one cell (the agent's runs and the verifier's re-runs) exactly the GPU ids the scheduler leased
/// to that cell, so that concurrent cells never share a device whatever their tasks' manifests say.
/// </summary>
internal sealed class GpuPinnedSandbox(ISandbox inner, IReadOnlyList<string> gpuIds) : ISandbox
{
    public string Name => inner.Name;

    public Task PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);

    public Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A run that asked for no GPU (e.g. a CPU verifier) keeps none; one that asked for any gets the leased ids.
        var limits = request.Limits.Gpus == 0 && request.Limits.GpuIds.Count == 0
            ? request.Limits
            : request.Limits with { Gpus = gpuIds.Count, GpuIds = gpuIds };
        return inner.RunAsync(request with { Limits = limits }, output, cancellationToken);
    }
}
