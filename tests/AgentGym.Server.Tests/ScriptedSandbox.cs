using AgentGym.Core.Sandboxing;

namespace AgentGym.Server.Tests;

/// <summary>
/// Stands in for Docker: waits for Start (when gated), prints its lines a few milliseconds apart, then waits for
/// Finish (when gated) and exits 0. The gates make "the stream is connected" and "the step is in flight" deterministic.
/// </summary>
internal sealed class ScriptedSandbox(IReadOnlyList<string> lines, bool gateStart = false, bool gateFinish = false) : ISandbox
{
    public TaskCompletionSource Start { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "scripted";

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        try
        {
            if (gateStart) await Start.Task.WaitAsync(cancellationToken);
            foreach (var line in lines)
            {
                output.OnLine(new SandboxLine(OutputStream.Stdout, line, time.GetTimestamp()));
                await Task.Delay(5, cancellationToken);
            }
            if (gateFinish) await Finish.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            var t = time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled", time.GetElapsedTime(start, t), start, t);
        }
        var end = time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.Succeeded, 0, "exited normally", time.GetElapsedTime(start, end), start, end);
    }
}
