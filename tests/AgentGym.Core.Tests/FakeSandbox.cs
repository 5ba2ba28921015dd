using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Tests;

/// <summary>
/// Stands in for Docker in unit tests of the run tools: prints given lines, then exits or waits to be cancelled.
/// The real backends are tested against a real engine in AgentGym.IntegrationTests.
/// </summary>
internal sealed class FakeSandbox(IReadOnlyList<string> lines, bool hang = false, int exitCode = 0) : ISandbox
{
    public List<SandboxRunRequest> Requests { get; } = [];

    public string Name => "fake";

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add(request);
        var start = TimeProvider.System.GetTimestamp();
        foreach (var line in lines) output.OnLine(new SandboxLine(OutputStream.Stdout, line, TimeProvider.System.GetTimestamp()));
        File.WriteAllText(Path.Combine(request.OutputDirectory, "model.pt"), "weights");
        try
        {
            if (hang) await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            var t = TimeProvider.System.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled", TimeProvider.System.GetElapsedTime(start, t), start, t);
        }
        var end = TimeProvider.System.GetTimestamp();
        return new SandboxRunResult(exitCode == 0 ? RunOutcome.Succeeded : RunOutcome.Failed, exitCode, exitCode == 0 ? "exited normally" : "non-zero exit", TimeProvider.System.GetElapsedTime(start, end), start, end);
    }
}
