using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Scoring;

/// <summary>Runs verification's sandboxes: training runs with their host-stamped output, and the model verifier.</summary>
internal sealed class VerificationRunner(ISandbox sandbox, ScoringOptions options)
{
    /// <summary>
    /// Set on every verification run: scripts that read it validate only at their last step. Only the final val_loss
    /// counts in verification, and each validation the start makes is untimed time a submission may fill with hidden
    /// training behind val lines of its own (the untimed allowance pays the start's cost per validation).
    /// </summary>
    public const string ValEveryVariable = "AGENTGYM_VAL_EVERY";

    /// <summary>Large enough that only the last step (which the scripts always validate) is a multiple of it.</summary>
    public const string ValOnlyAtTheEnd = "1000000000";

    private TimeProvider Time => options.TimeProvider;

    /// <summary>Trains the code in <paramref name="codeDirectory"/> on the dataset under <paramref name="dataRoot"/>.</summary>
    public async Task<RoleRun> TrainAsync(TaskManifest task, string codeDirectory, string directory, int pair, PairRole role,
        int seed, long permutationSeed, string? dataRoot, string episodeId, CancellationToken cancellationToken)
    {
        var workspace = Path.Combine(directory, "workspace");
        var outputs = Path.Combine(directory, "outputs");
        FileTrees.Copy(codeDirectory, workspace);
        Directory.CreateDirectory(outputs);
        var launch = RunLaunch.For(task, dataRoot, seed);
        var request = new SandboxRunRequest
        {
            RunId = $"verify-{pair}-{role.ToString().ToLowerInvariant()}",
            EpisodeId = episodeId,
            WorkspaceDirectory = workspace,
            OutputDirectory = outputs,
            DataDirectory = launch.DataDirectory,
            Command = launch.Command,
            Environment = new Dictionary<string, string>(launch.Environment, StringComparer.Ordinal) { [ValEveryVariable] = ValOnlyAtTheEnd },
            Image = launch.Image,
            Limits = launch.Limits,
            TimeLimit = TimeSpan.FromSeconds(task.TimeLimitSeconds),
        };
        var (result, output) = await RunSandboxAsync(request, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "log.txt"), output.LogText(), cancellationToken).ConfigureAwait(false);
        var metrics = output.Metrics();
        var timing = RunTiming.From(metrics, out var timingError);
        return new RoleRun(pair, role, seed, permutationSeed, directory, result, metrics, timing, timingError);
    }

    /// <summary>Runs a request; a sandbox that throws is a failed run with the reason, never an exception out of scoring.</summary>
    public async Task<(SandboxRunResult Result, CollectingOutput Output)> RunSandboxAsync(SandboxRunRequest request, CancellationToken cancellationToken)
    {
        var startTimestamp = Time.GetTimestamp();
        var output = new CollectingOutput(Time, startTimestamp);
        try
        {
            var result = await sandbox.RunAsync(request, output, cancellationToken).ConfigureAwait(false);
            return (result, output);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var now = Time.GetTimestamp();
            return (new SandboxRunResult(RunOutcome.SandboxError, null, $"the sandbox failed: {ex.Message}", Time.GetElapsedTime(startTimestamp, now), startTimestamp, now), output);
        }
    }
}
