using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Environment;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Scoring;

/// <summary>
/// Scores a submission from verified facts only (DESIGN.md, verification and reward): re-runs the submitted code
/// in fresh sandboxes, times it from the host, scores its exported model in the verifier's own locked sandbox, and
/// compares protected content with the starting files. Every check is named in the verdict with its figures; a
/// crash or timeout anywhere is a failed check, and any failed check makes the reward function's input "not passed".
/// </summary>
internal sealed class SubmissionScorer(ISandbox sandbox, ScoringOptions options) : ISubmissionScorer
{
    /// <summary>One measurement of a starting record at a time per cache key, across scorers in this process.</summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> StartLocks = new(StringComparer.Ordinal);

    private TimeProvider Time => options.TimeProvider;

    public async Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
    {
        var task = submission.Task;
        var v = task.Verification;
        var repeats = Math.Max(1, options.Repeats ?? v.Repeats);
        var stamp = Time.GetUtcNow().ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture);
        var root = Path.Combine(submission.Episode.Directory, "verification", stamp);
        Directory.CreateDirectory(root);
        var checks = new JsonObject();

        var modeKnown = v.Mode is VerificationModes.Independent or VerificationModes.Log;
        var independent = v.Mode == VerificationModes.Independent;
        if (!modeKnown)
            checks["mode"] = Fail($"unknown verification mode '{v.Mode}' (expected independent or log)");

        checks["protected"] = CheckProtected(task, submission);

        // Training repeats run one after another and before any verifier, so that nothing else competes for the
        // sandbox's CPUs while a run is being timed.
        var runs = new List<RepeatRun>();
        for (var r = 1; r <= repeats; r++)
        {
            var seed = submission.Episode.Seed + r - 1;
            runs.Add(await TrainAsync(task, submission.CodeDirectory, Path.Combine(root, $"repeat-{r}"), r, $"verify-{r}",
                submission.Episode.EpisodeId, seed, cancellationToken).ConfigureAwait(false));
        }
        var start = await StartRecordAsync(submission, root, cancellationToken).ConfigureAwait(false);

        var reports = new List<VerifierOutcome>();
        if (independent)
            foreach (var run in runs)
                reports.Add(await VerifyModelAsync(task, run, submission.Episode.EpisodeId, cancellationToken).ConfigureAwait(false));

        checks["runs"] = CheckRuns(runs);
        checks["time_agreement"] = CheckTimeAgreement(runs, v);
        checks["untimed"] = CheckUntimed(runs, start, v);
        if (independent)
        {
            checks["model"] = CheckModel(runs, reports);
            checks["causality"] = CheckCausality(reports);
        }
        var losses = independent
            ? reports.Select(r => r.Report?.ValLoss).ToList()
            : runs.Select(r => r.Metrics.LastOrDefault(m => m.ValLoss is not null)?.ValLoss).ToList();
        checks["loss"] = CheckLoss(runs, reports, losses, independent);
        checks["significance"] = CheckSignificance(losses, task);
        checks["heldout_gap"] = independent
            ? CheckHeldoutGap(reports, v)
            : new JsonObject { ["passed"] = true, ["skipped"] = true, ["reason"] = "log verification scores no held-out split" };

        var failed = checks.Where(c => c.Value?["passed"]?.GetValue<bool>() != true).Select(c => c.Key).ToList();
        var passed = failed.Count == 0;
        var integrity = failed.All(name => name == "significance");
        var (slack, perPause) = (options.TimeSlack.TotalMilliseconds, options.TimeSlackPerPause.TotalMilliseconds);
        double? verifiedTime = runs.All(r => r.Timing is not null) ? runs.Average(r => r.Timing!.VerifiedTrainTimeMs(slack, perPause)) : null;
        double? meanLoss = losses.All(l => l is not null) ? losses.Average(l => l!.Value) : null;
        var input = new RewardInput(task, passed, integrity, verifiedTime, meanLoss);
        var reward = options.Reward.Compute(input);
        checks["reward"] = new JsonObject
        {
            ["passed"] = true,
            ["function"] = options.Reward.Name,
            ["value"] = reward,
            ["verified_train_time_ms"] = verifiedTime,
            ["baseline_time_ms"] = task.BaselineTime.MeanMs,
            ["record_time_ms"] = task.RecordTime.MeanMs,
            ["fsr"] = verifiedTime is { } t ? RewardFunctions.FractionOfSpeedupRecovered(task.BaselineTime.MeanMs, task.RecordTime.MeanMs, t) : null,
            ["note"] = passed ? "every check passed" : "a check failed, so the reward function was told the submission did not pass",
        };

        var summary = passed
            ? string.Create(CultureInfo.InvariantCulture,
                $"Verified over {repeats} repeat(s): val loss {meanLoss:F4} (target {task.TargetValLoss}), train_time {verifiedTime / 1000:F2} s; every check passed.")
            : $"Verification failed: {string.Join(", ", failed.Select(name => $"{name} ({checks[name]?["reason"]?.GetValue<string>() ?? "failed"})"))}.";
        var verdict = new SubmissionVerdict(reward, passed, summary, checks);
        await File.WriteAllTextAsync(Path.Combine(root, "verdict.json"), new JsonObject
        {
            ["task_id"] = task.Id,
            ["episode_id"] = submission.Episode.EpisodeId,
            ["run_id"] = submission.RunId,
            ["passed"] = passed,
            ["reward"] = reward,
            ["summary"] = summary,
            ["checks"] = checks.DeepClone(),
        }.ToJsonString(JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
        return verdict;
    }

    // ---------------------------------------------------------------- runs

    private sealed record RepeatRun(int Index, int Seed, string Directory, SandboxRunResult Result, IReadOnlyList<MetricEvent> Metrics, RunTiming? Timing, string? TimingError)
    {
        public string OutputDirectory => Path.Combine(Directory, "outputs");
        public bool Succeeded => Result.Outcome == RunOutcome.Succeeded && Result.ExitCode is null or 0;
    }

    private async Task<RepeatRun> TrainAsync(TaskManifest task, string codeDirectory, string directory, int index, string runId, string episodeId, int seed, CancellationToken cancellationToken)
    {
        var workspace = Path.Combine(directory, "workspace");
        var outputs = Path.Combine(directory, "outputs");
        EpisodeWorkspace.CopyTree(codeDirectory, workspace);
        Directory.CreateDirectory(outputs);
        var launch = RunLaunch.For(task, options.DataDirectory, seed);
        var request = new SandboxRunRequest
        {
            RunId = runId,
            EpisodeId = episodeId,
            WorkspaceDirectory = workspace,
            OutputDirectory = outputs,
            DataDirectory = launch.DataDirectory,
            Command = launch.Command,
            Environment = launch.Environment,
            Image = launch.Image,
            Limits = launch.Limits,
            TimeLimit = TimeSpan.FromSeconds(task.TimeLimitSeconds),
        };
        var (result, output) = await RunSandboxAsync(request, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "log.txt"), output.LogText(), cancellationToken).ConfigureAwait(false);
        var metrics = output.Metrics();
        var timing = RunTiming.From(metrics, out var timingError);
        return new RepeatRun(index, seed, directory, result, metrics, timing, timingError);
    }

    /// <summary>Runs a request; a sandbox that throws is a failed run with the reason, never an exception out of scoring.</summary>
    private async Task<(SandboxRunResult Result, CollectingOutput Output)> RunSandboxAsync(SandboxRunRequest request, CancellationToken cancellationToken)
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

    // ---------------------------------------------------------------- starting record (untimed baseline)

    private sealed record StartMeasure(double? UntimedMs, double? WallMs, double? TrainTimeMs, string Source, string? Error);

    /// <summary>
    /// The starting record's untimed part (wall time minus reported train_time), measured by running the task's
    /// starting files once in the same sandbox and cached under the cache folder, keyed by task id and a hash of
    /// everything that shapes the run (starting files, image, command, environment, resources).
    /// </summary>
    private async Task<StartMeasure> StartRecordAsync(Submission submission, string root, CancellationToken cancellationToken)
    {
        var task = submission.Task;
        var key = StartKey(task, submission.StartDirectory);
        var cacheDirectory = options.CacheDirectory
            ?? (options.DataDirectory is not null ? Path.Combine(options.DataDirectory, ".verifier-cache") : Path.Combine(submission.Episode.Directory, "verification"));
        var cacheFile = Path.Combine(cacheDirectory, "untimed", $"{Sanitize(task.Id)}-{key[..16]}.json");
        var gate = StartLocks.GetOrAdd(cacheFile, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryReadCache(cacheFile) is { } cached) return cached;
            var run = await TrainAsync(task, submission.StartDirectory, Path.Combine(root, "start-record"), 0, "verify-start",
                submission.Episode.EpisodeId, submission.Episode.Seed, cancellationToken).ConfigureAwait(false);
            if (!run.Succeeded || run.Timing is null)
                return new StartMeasure(null, null, null, "measured", $"the starting record's run did not give a timing ({run.Result.Outcome}: {run.Result.Reason}{(run.TimingError is null ? "" : "; " + run.TimingError)})");
            var wall = run.Result.WallTime.TotalMilliseconds;
            var measure = new StartMeasure(wall - run.Timing.FinalTrainTimeMs, wall, run.Timing.FinalTrainTimeMs, "measured", null);
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            var temp = cacheFile + ".tmp";
            await File.WriteAllTextAsync(temp, new JsonObject
            {
                ["task_id"] = task.Id,
                ["key"] = key,
                ["untimed_ms"] = measure.UntimedMs,
                ["wall_ms"] = measure.WallMs,
                ["train_time_ms"] = measure.TrainTimeMs,
                ["measured_at"] = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
                ["sandbox"] = sandbox.Name,
            }.ToJsonString(JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
            File.Move(temp, cacheFile, overwrite: true);
            return measure;
        }
        finally
        {
            gate.Release();
        }
    }

    private static StartMeasure? TryReadCache(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            var untimed = node?["untimed_ms"]?.GetValue<double>();
            var wall = node?["wall_ms"]?.GetValue<double>();
            return untimed is null || wall is null ? null : new StartMeasure(untimed, wall, node?["train_time_ms"]?.GetValue<double>(), "cache", null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null; // a damaged cache is measured again
        }
    }

    private string StartKey(TaskManifest task, string startDirectory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => hash.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        foreach (var file in Directory.EnumerateFiles(startDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Add(Path.GetRelativePath(startDirectory, file).Replace('\\', '/'));
            hash.AppendData(File.ReadAllBytes(file));
        }
        Add(task.Sandbox.Image);
        Add(sandbox.Name);
        Add(string.Join('\u0001', task.EntryCommand));
        foreach (var (k, val) in task.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) Add(k + "=" + val);
        Add(JsonSerializer.Serialize(task.Resources, JsonDefaults.Options));
        Add(task.Data.Dataset ?? "");
        Add(task.Data.ValTokens.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Sanitize(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    // ---------------------------------------------------------------- independent verifier

    private sealed record VerifierReport(bool ModelLoadable, double? ValLoss, double? HeldoutLoss, long ValTokens, long HeldoutTokens,
        bool? CausalityOk, double? MaxDeviation, double? Limit, IReadOnlyList<string> CausalityFailures, IReadOnlyList<string> Errors, double? TotalMs);

    private sealed record VerifierOutcome(int Repeat, bool ModelPresent, VerifierReport? Report, string? Error);

    private async Task<VerifierOutcome> VerifyModelAsync(TaskManifest task, RepeatRun run, string episodeId, CancellationToken cancellationToken)
    {
        var model = Path.Combine(run.OutputDirectory, "model.pt");
        if (!File.Exists(model)) return new VerifierOutcome(run.Index, false, null, "the run exported no outputs/model.pt");
        if (options.DataDirectory is null || task.Data.Dataset is null)
            return new VerifierOutcome(run.Index, true, null, "no data directory or dataset is configured, so the model cannot be scored");
        if (task.Data.ValTokens <= 0)
            return new VerifierOutcome(run.Index, true, null, "the task sets no data.val_tokens");

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
            RunId = $"verify-{run.Index}-model",
            EpisodeId = episodeId,
            WorkspaceDirectory = input,
            OutputDirectory = outputs,
            // The whole dataset (visible and held-out); the training sandbox only ever gets visible/.
            DataDirectory = Path.Combine(options.DataDirectory, task.Data.Dataset),
            Command = command,
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" },
            Image = options.VerifierImage,
            Limits = new SandboxLimits { Cpus = r.Cpus, MemoryMb = Math.Max(r.MemoryMb, 2048), Pids = 256, ShmMb = r.ShmMb, DiskMb = 256, Gpus = options.VerifierDevice == "cpu" ? 0 : r.Gpus, GpuIds = r.GpuIds },
            TimeLimit = options.VerifierTimeLimit,
        };
        var (result, output) = await RunSandboxAsync(request, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "log.txt"), output.LogText(), cancellationToken).ConfigureAwait(false);
        var json = output.StdoutLines().LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (result.Outcome != RunOutcome.Succeeded || result.ExitCode is not (null or 0))
            return new VerifierOutcome(run.Index, true, null, $"the verifier did not finish: {result.Outcome}{(result.ExitCode is { } c ? $" (exit code {c})" : "")}: {result.Reason}");
        if (json is null) return new VerifierOutcome(run.Index, true, null, "the verifier printed no verdict");
        try
        {
            return new VerifierOutcome(run.Index, true, ParseReport(JsonNode.Parse(json)!.AsObject()), null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return new VerifierOutcome(run.Index, true, null, $"the verifier's verdict could not be read: {ex.Message}");
        }
    }

    private static VerifierReport ParseReport(JsonObject o)
    {
        var causality = o["causality"] as JsonObject;
        static IReadOnlyList<string> Strings(JsonNode? n) => n is JsonArray a ? a.Select(x => x?.GetValue<string>() ?? "").ToList() : [];
        return new VerifierReport(
            o["model_loadable"]?.GetValue<bool>() == true,
            o["val_loss"]?.GetValue<double>(),
            o["heldout_loss"]?.GetValue<double>(),
            o["val_tokens_evaluated"]?.GetValue<long>() ?? 0,
            o["heldout_tokens_evaluated"]?.GetValue<long>() ?? 0,
            causality?["ok"]?.GetValue<bool>(),
            causality?["max_deviation"]?.GetValue<double>(),
            causality?["limit"]?.GetValue<double>(),
            Strings(causality?["failures"]),
            Strings(o["errors"]),
            o["timings"]?["total_ms"]?.GetValue<double>());
    }

    // ---------------------------------------------------------------- checks

    private static JsonObject Fail(string reason) => new() { ["passed"] = false, ["reason"] = reason };

    /// <summary>A check's entry: passed first, the reason when it failed, then its figures.</summary>
    private static JsonObject Verdict(bool passed, string? reason, JsonObject figures)
    {
        var result = new JsonObject { ["passed"] = passed };
        if (!passed) result["reason"] = string.IsNullOrEmpty(reason) ? "failed" : reason;
        foreach (var (key, value) in figures.ToList())
        {
            figures.Remove(key);
            result[key] = value;
        }
        return result;
    }

    private static JsonObject CheckProtected(TaskManifest task, Submission submission)
    {
        var results = ProtectedContent.Check(task.Verification.Protected, submission.StartDirectory, submission.CodeDirectory);
        var changed = results.Where(r => !r.Unchanged).ToList();
        return Verdict(changed.Count == 0,
            string.Join("; ", changed.Select(r => $"{r.File}{(r.StartMarker is null ? "" : $" [{r.StartMarker}]")}: {r.Detail}")),
            new JsonObject
            {
                ["regions"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["file"] = r.File,
                    ["start_marker"] = r.StartMarker,
                    ["unchanged"] = r.Unchanged,
                    ["detail"] = r.Detail,
                }).ToArray()),
            });
    }

    private static JsonObject CheckRuns(IReadOnlyList<RepeatRun> runs)
    {
        var bad = runs.Where(r => !r.Succeeded).ToList();
        return Verdict(bad.Count == 0,
            string.Join("; ", bad.Select(r => $"repeat {r.Index}: {r.Result.Outcome}{(r.Result.ExitCode is { } c ? $" (exit code {c})" : "")}: {r.Result.Reason}")),
            new JsonObject
            {
                ["repeats"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
                {
                    ["repeat"] = r.Index,
                    ["seed"] = r.Seed,
                    ["outcome"] = r.Result.Outcome.ToString(),
                    ["exit_code"] = r.Result.ExitCode,
                    ["reason"] = r.Result.Reason,
                    ["wall_ms"] = Math.Round(r.Result.WallTime.TotalMilliseconds, 1),
                    ["log"] = Path.Combine(r.Directory, "log.txt"),
                }).ToArray()),
            });
    }

    private JsonObject CheckTimeAgreement(IReadOnlyList<RepeatRun> runs, VerificationSettings v)
    {
        var slack = options.TimeSlack.TotalMilliseconds;
        var perPause = options.TimeSlackPerPause.TotalMilliseconds;
        var problems = new List<string>();
        var rows = new JsonArray();
        foreach (var run in runs)
        {
            if (run.Timing is not { } t)
            {
                problems.Add($"repeat {run.Index}: {run.TimingError}");
                rows.Add(new JsonObject { ["repeat"] = run.Index, ["error"] = run.TimingError });
                continue;
            }
            var agrees = t.Agrees(v.TimeTolerance, slack, perPause);
            if (!agrees)
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"repeat {run.Index}: reported train_time grew {t.ReportedGrowthMs:F0} ms while the host saw {t.HostRunningMs:F0} ms of running time ({t.Disagreement:P1} apart; allowed {t.AllowedDifferenceMs(v.TimeTolerance, slack, perPause):F0} ms: {v.TimeTolerance:P0} + {slack:F0} ms + {perPause:F0} ms x {t.Boundaries} pause boundaries)"));
            rows.Add(new JsonObject
            {
                ["repeat"] = run.Index,
                ["agrees"] = agrees,
                ["reported_train_time_ms"] = t.FinalTrainTimeMs,
                ["reported_growth_ms"] = Math.Round(t.ReportedGrowthMs, 1),
                ["host_running_ms"] = Math.Round(t.HostRunningMs, 1),
                ["host_span_ms"] = Math.Round(t.HostSpanMs, 1),
                ["disagreement"] = double.IsFinite(t.Disagreement) ? Math.Round(t.Disagreement, 4) : null,
                ["verified_train_time_ms"] = Math.Round(t.VerifiedTrainTimeMs(slack, perPause), 1),
                ["timed_lines"] = t.TimedLines,
                ["running_paused_boundaries"] = t.Boundaries,
                ["allowed_difference_ms"] = Math.Round(t.AllowedDifferenceMs(v.TimeTolerance, slack, perPause), 1),
            });
        }
        return Verdict(problems.Count == 0, string.Join("; ", problems), new JsonObject
        {
            ["tolerance"] = v.TimeTolerance,
            ["slack_ms"] = slack,
            ["slack_ms_per_pause_boundary"] = perPause,
            ["repeats"] = rows,
        });
    }

    private static JsonObject CheckUntimed(IReadOnlyList<RepeatRun> runs, StartMeasure start, VerificationSettings v)
    {
        var figures = new JsonObject
        {
            ["start_untimed_ms"] = start.UntimedMs is { } su ? Math.Round(su, 1) : null,
            ["start_wall_ms"] = start.WallMs is { } sw ? Math.Round(sw, 1) : null,
            ["start_source"] = start.Source,
            ["tolerance"] = v.UntimedTolerance,
        };
        if (start.Error is not null || start.UntimedMs is null || start.WallMs is null)
            return Verdict(false, start.Error ?? "the starting record's untimed time is unknown", figures);
        var allowed = start.UntimedMs.Value + v.UntimedTolerance * start.WallMs.Value;
        figures["allowed_untimed_ms"] = Math.Round(allowed, 1);
        var problems = new List<string>();
        var rows = new JsonArray();
        foreach (var run in runs)
        {
            if (run.Timing is null)
            {
                problems.Add($"repeat {run.Index}: no reported train_time, so the untimed part is unknown");
                rows.Add(new JsonObject { ["repeat"] = run.Index, ["untimed_ms"] = null });
                continue;
            }
            var untimed = run.Result.WallTime.TotalMilliseconds - run.Timing.FinalTrainTimeMs;
            if (untimed > allowed)
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"repeat {run.Index}: {untimed:F0} ms outside the timed region, the starting record needs {start.UntimedMs:F0} ms (allowed {allowed:F0} ms)"));
            rows.Add(new JsonObject { ["repeat"] = run.Index, ["untimed_ms"] = Math.Round(untimed, 1), ["wall_ms"] = Math.Round(run.Result.WallTime.TotalMilliseconds, 1) });
        }
        figures["repeats"] = rows;
        return Verdict(problems.Count == 0, string.Join("; ", problems), figures);
    }

    private static JsonObject CheckModel(IReadOnlyList<RepeatRun> runs, IReadOnlyList<VerifierOutcome> reports)
    {
        var problems = new List<string>();
        var rows = new JsonArray();
        foreach (var o in reports)
        {
            var errors = o.Report?.Errors ?? [];
            string? problem = !o.ModelPresent ? "no model.pt was exported"
                : o.Error is not null ? o.Error
                : o.Report is { ModelLoadable: false } ? "the model could not be loaded: " + string.Join("; ", errors)
                : errors.Count > 0 ? string.Join("; ", errors)
                : null;
            if (problem is not null) problems.Add($"repeat {o.Repeat}: {problem}");
            rows.Add(new JsonObject
            {
                ["repeat"] = o.Repeat,
                ["present"] = o.ModelPresent,
                ["loadable"] = o.Report?.ModelLoadable ?? false,
                ["verifier_ms"] = o.Report?.TotalMs,
                ["errors"] = new JsonArray(errors.Concat(o.Error is null ? [] : [o.Error]).Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
            });
        }
        return Verdict(problems.Count == 0, string.Join("; ", problems), new JsonObject { ["repeats"] = rows });
    }

    private static JsonObject CheckCausality(IReadOnlyList<VerifierOutcome> reports)
    {
        var problems = new List<string>();
        var rows = new JsonArray();
        foreach (var o in reports)
        {
            var ok = o.Report?.CausalityOk;
            if (ok != true)
                problems.Add($"repeat {o.Repeat}: " + (ok == false ? string.Join("; ", o.Report!.CausalityFailures) : "the probe did not run (" + (o.Error ?? string.Join("; ", o.Report?.Errors ?? [])) + ")"));
            rows.Add(new JsonObject { ["repeat"] = o.Repeat, ["ok"] = ok, ["max_deviation"] = o.Report?.MaxDeviation, ["limit"] = o.Report?.Limit });
        }
        return Verdict(problems.Count == 0, string.Join("; ", problems), new JsonObject { ["repeats"] = rows });
    }

    private static JsonObject CheckLoss(IReadOnlyList<RepeatRun> runs, IReadOnlyList<VerifierOutcome> reports, IReadOnlyList<double?> losses, bool independent)
    {
        var problems = new List<string>();
        var rows = new JsonArray();
        for (var i = 0; i < runs.Count; i++)
        {
            var reported = runs[i].Metrics.LastOrDefault(m => m.ValLoss is not null)?.ValLoss;
            if (losses[i] is null)
                problems.Add($"repeat {runs[i].Index}: " + (independent
                    ? "no verified val loss (" + (reports[i].Error ?? string.Join("; ", reports[i].Report?.Errors ?? [])) + ")"
                    : "the log has no val_loss line"));
            var row = new JsonObject { ["repeat"] = runs[i].Index, ["val_loss"] = losses[i], ["reported_val_loss"] = reported };
            if (independent) row["val_tokens_evaluated"] = reports[i].Report?.ValTokens;
            rows.Add(row);
        }
        return Verdict(problems.Count == 0, string.Join("; ", problems), new JsonObject
        {
            ["source"] = independent ? "verifier" : "log",
            ["repeats"] = rows,
        });
    }

    private JsonObject CheckSignificance(IReadOnlyList<double?> losses, TaskManifest task)
    {
        var target = task.TargetValLoss;
        var p = task.Verification.PValue;
        var figures = new JsonObject { ["target"] = target, ["p_threshold"] = p, ["n"] = losses.Count };
        if (losses.Any(l => l is null))
            return Verdict(false, "not every repeat has a verified val loss", figures);
        var values = losses.Select(l => l!.Value).ToList();
        var mean = values.Average();
        figures["mean_val_loss"] = mean;
        if (values.Count == 1)
        {
            figures["test"] = "skipped: one repeat, so the loss itself must be <= target";
            return Verdict(mean <= target, string.Create(CultureInfo.InvariantCulture, $"val loss {mean:F4} > target {target}"), figures);
        }
        var sd = Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1));
        var pValue = StudentT.PValueBelow(values, target, out var tStat);
        figures["std"] = sd;
        figures["t"] = double.IsFinite(tStat) ? tStat : null;
        figures["p_value"] = pValue;
        figures["test"] = $"one-sided Student t, H0: mean >= target, df = {values.Count - 1}";
        return Verdict(pValue < p, string.Create(CultureInfo.InvariantCulture,
            $"mean val loss {mean:F4} over {values.Count} repeats is not significantly below {target} (p = {pValue:G3}, needs < {p})"), figures);
    }

    private static JsonObject CheckHeldoutGap(IReadOnlyList<VerifierOutcome> reports, VerificationSettings v)
    {
        var rows = new JsonArray();
        var gaps = new List<double>();
        foreach (var o in reports)
        {
            double? gap = o.Report is { ValLoss: { } val, HeldoutLoss: { } held } ? held - val : null;
            if (gap is { } g) gaps.Add(g);
            rows.Add(new JsonObject { ["repeat"] = o.Repeat, ["val_loss"] = o.Report?.ValLoss, ["heldout_loss"] = o.Report?.HeldoutLoss, ["gap"] = gap, ["heldout_tokens_evaluated"] = o.Report?.HeldoutTokens });
        }
        var figures = new JsonObject { ["tolerance"] = v.HeldoutGapTolerance, ["repeats"] = rows };
        if (gaps.Count != reports.Count || gaps.Count == 0)
            return Verdict(false, "not every repeat has both a val and a held-out loss", figures);
        var mean = gaps.Average();
        figures["mean_gap"] = mean;
        return Verdict(mean <= v.HeldoutGapTolerance, string.Create(CultureInfo.InvariantCulture,
            $"held-out loss exceeds val loss by {mean:F4} on average, more than {v.HeldoutGapTolerance} (trained on the val split?)"), figures);
    }
}
