using AgentGym.Core.Gym;

namespace AgentGym.Core.Agents;

/// <summary>Drives one episode: reset, then agent and environment in turn until it ends or the agent stops.</summary>
public static class EpisodeRunner
{
    public static async Task<EpisodeOutcome> RunAsync(
        IGymEnvironment environment, IAgent agent, ResetOptions options,
        Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        var reset = await environment.ResetAsync(options, cancellationToken).ConfigureAwait(false);
        var turn = new AgentTurn(0, reset.Observation, null, environment.Tools);
        StepResult? last = null;
        var steps = 0;
        var total = 0.0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var call = await agent.NextAsync(turn, cancellationToken).ConfigureAwait(false);
            if (call is null) break;
            last = await environment.StepAsync(call, cancellationToken).ConfigureAwait(false);
            steps++;
            total += last.Reward;
            onStep?.Invoke(steps, call, last);
            if (last.Terminated || last.Truncated) break;
            turn = new AgentTurn(steps, last.Observation, last, environment.Tools);
        }
        return new EpisodeOutcome(environment.Episode!, steps, total, last?.Terminated ?? false, last?.Truncated ?? false);
    }
}

public sealed record EpisodeOutcome(EpisodeInfo Episode, int Steps, double TotalReward, bool Terminated, bool Truncated);
