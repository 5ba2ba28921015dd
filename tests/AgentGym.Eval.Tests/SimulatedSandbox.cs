using System.Collections.Concurrent;
using System.Globalization;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Eval.Tests;

/// <summary>
/// Stands in for Docker in the fast tests: "runs" the quick task's train.py by reading its SLEEP and STEPS and
/// printing honest speedrun log lines, with a loss that falls step by step. It waits in real time, but stamps each
/// line (and the run's end) on a nominal timeline: these tests check the eval pipeline, and a loaded shared machine
/// (a late timer, a starved thread pool) must not decide a reward here. The same experiment runs for real, timed by
/// the host, in Docker in <see cref="DockerEvalTests"/>.
/// </summary>
internal sealed class SimulatedSandbox : ISandbox
{
    public ConcurrentBag<SandboxRunRequest> Requests { get; } = [];

    /// <summary>Runs of the agent (not the verifier's) wait here while it is set: lets a test interrupt a running cell.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource FirstRunStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "simulated";

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        FirstRunStarted.TrySetResult();
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        try
        {
            if (Gate is { } gate && request.RunId.StartsWith("run-", StringComparison.Ordinal))
                await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            var script = File.ReadAllText(Path.Combine(request.WorkspaceDirectory, "train.py"));
            var sleep = Value(script, "SLEEP");
            var steps = (int)Value(script, "STEPS");
            var from = time.GetTimestamp(); // after the gate: a held run starts its timeline when it is let go
            const double ImportsMs = 50; // untimed
            // The sleep plus ~7 ms of "work" a step, about what the real script takes in the CPU image.
            var stepMs = (sleep + 0.007) * 1000;
            await Task.Delay(TimeSpan.FromMilliseconds(ImportsMs), cancellationToken).ConfigureAwait(false);
            for (var step = 1; step <= steps; step++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(stepMs), cancellationToken).ConfigureAwait(false);
                var ms = step * stepMs;
                var at = At(from, ImportsMs + ms);
                var loss = 2.0 * Math.Pow(0.8, step);
                Emit(output, at, string.Create(CultureInfo.InvariantCulture, $"step:{step}/{steps} train_loss:{loss:F4} train_time:{ms:F0}ms step_avg:{ms / step:F2}ms"));
                if (step % 8 == 0) Emit(output, at, string.Create(CultureInfo.InvariantCulture, $"step:{step}/{steps} val_loss:{loss * 1.01:F4} train_time:{ms:F0}ms step_avg:{ms / step:F2}ms"));
            }
            var end = At(from, ImportsMs + steps * stepMs + 5);
            return new SandboxRunResult(RunOutcome.Succeeded, 0, "exited normally", time.GetElapsedTime(start, end), start, end);
        }
        catch (OperationCanceledException)
        {
            var now = time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled", time.GetElapsedTime(start, now), start, now);
        }
    }

    private static long At(long start, double ms) => start + (long)(ms / 1000 * TimeProvider.System.TimestampFrequency);

    private static void Emit(ISandboxOutput output, long at, string line) => output.OnLine(new SandboxLine(OutputStream.Stdout, line, at));

    private static double Value(string script, string name)
    {
        var line = script.Split('\n').First(l => l.StartsWith(name + " = ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 3)..], CultureInfo.InvariantCulture);
    }
}
