using System.Globalization;
using System.Text.Json;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

internal sealed record VerifierOutcome(int Pair, bool ModelPresent, VerifierReport? Report, string? Error);

/// <summary>
/// Scores a run's exported model in the verifier's own locked sandbox, on the pair's (permuted) val and held-out
/// splits; the training sandbox never sees the held-out split.
/// </summary>
internal sealed class ModelVerifier(VerificationRunner runner, ScoringOptions options)
{
    public async Task<VerifierOutcome> VerifyAsync(TaskManifest task, RoleRun run, string? dataRoot, string episodeId, CancellationToken cancellationToken)
    {
        var model = Path.Combine(run.OutputDirectory, "model.pt");
        if (!File.Exists(model)) return new VerifierOutcome(run.Pair, false, null, "the run exported no outputs/model.pt");
        if (dataRoot is null || task.Data.Dataset is null)
            return new VerifierOutcome(run.Pair, true, null, "no data directory or dataset is configured, so the model cannot be scored");
        if (task.Data.ValTokens <= 0)
            return new VerifierOutcome(run.Pair, true, null, "the task sets no data.val_tokens");

        var directory = Path.Combine(run.Directory, "verifier");
        var input = Path.Combine(directory, "input");
        var outputs = Path.Combine(directory, "outputs");
        Directory.CreateDirectory(input);
        Directory.CreateDirectory(outputs);
        // A copy: the verifier's sandbox gets the model and nothing else of the run.
        File.Copy(model, Path.Combine(input, "model.pt"), overwrite: true);
        var v = task.Verification;
        var command = options.VerifierCommand.Concat(
        [
            "--model", "/workspace/model.pt",
            "--data", "/data",
            "--val-files", "visible/" + task.Data.ValFiles,
            "--heldout-files", "heldout/" + task.Data.HeldoutFiles,
            "--meta", "visible/meta.json",
            "--val-tokens", task.Data.ValTokens.ToString(CultureInfo.InvariantCulture),
            "--seq-len", v.EvalSequenceLength.ToString(CultureInfo.InvariantCulture),
            "--tolerance", options.CausalityTolerance.ToString("R", CultureInfo.InvariantCulture),
            "--seed", (1000 + run.Seed).ToString(CultureInfo.InvariantCulture),
            "--device", options.VerifierDevice,
        ]).ToList();
        var r = task.Resources;
        var request = new SandboxRunRequest
        {
            RunId = $"verify-{run.Pair}-model",
            EpisodeId = episodeId,
            WorkspaceDirectory = input,
            OutputDirectory = outputs,
            // The whole dataset (visible and held-out); the training sandbox only ever gets visible/.
            DataDirectory = Path.Combine(dataRoot, task.Data.Dataset),
            Command = command,
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" },
            Image = options.VerifierImage,
            Limits = new SandboxLimits { Cpus = r.Cpus, MemoryMb = Math.Max(r.MemoryMb, 2048), Pids = 256, ShmMb = r.ShmMb, DiskMb = 256, Gpus = options.VerifierDevice == "cpu" ? 0 : r.Gpus, GpuIds = r.GpuIds },
            TimeLimit = options.VerifierTimeLimit,
        };
        var (result, output) = await runner.RunSandboxAsync(request, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "log.txt"), output.LogText(), cancellationToken).ConfigureAwait(false);
        var json = output.StdoutLines().LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (result.Outcome != RunOutcome.Succeeded || result.ExitCode is not (null or 0))
            return new VerifierOutcome(run.Pair, true, null, $"the verifier did not finish: {result.Outcome}{(result.ExitCode is { } c ? $" (exit code {c})" : "")}: {result.Reason}");
        if (json is null) return new VerifierOutcome(run.Pair, true, null, "the verifier printed no verdict");
        try
        {
            return new VerifierOutcome(run.Pair, true, VerifierReport.Parse(json), null);
        }
        catch (JsonException ex)
        {
            return new VerifierOutcome(run.Pair, true, null, $"the verifier's verdict could not be read: {ex.Message}");
        }
    }
}
