using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;
using AgentGym.Core.Trajectories;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Results;

internal sealed record TokenTotals(long ModelCalls, long Input, long Output, long Total, long Reasoning, long CachedInput);

internal sealed record RunRecord(
    string RunId, string State, int? ExitCode, string? Reason, double? FinalValLoss, double? TrainTimeMs, double? ElapsedS,
    bool Buggy, bool Valid, bool Improved, bool StartCode, bool Submitted, int? Node, string? Stage, string Curve);

internal sealed record CheckRecord(string Name, bool Passed, bool Skipped, string? Reason);

/// <summary>Everything the results keep of one finished episode, read from its folder (trajectory, agent.json, runs).</summary>
internal sealed record EpisodeRecord
{
    public required string EpisodeId { get; init; }
    public required string Directory { get; init; }
    public required string Agent { get; init; }
    public string? Model { get; init; }
    public required int Steps { get; init; }
    public required double Reward { get; init; }
    public required bool Terminated { get; init; }
    public required bool Truncated { get; init; }
    public string? StopReason { get; init; }
    public string? SubmittedRun { get; init; }

    /// <summary>passed, failed, unverified (no scorer) or not_submitted.</summary>
    public required string Verdict { get; init; }
    public double? VerifiedValLoss { get; init; }
    public double? VerifiedTrainTimeMs { get; init; }

    /// <summary>FSR when every check passed, 0 when verification failed or nothing was submitted, null when unscored.</summary>
    public double? Fsr { get; init; }
    public required double TargetValLoss { get; init; }
    public required double BaselineTimeMs { get; init; }
    public required double RecordTimeMs { get; init; }
    public required TokenTotals Tokens { get; init; }
    public double? CostUsd { get; init; }
    public required double WallMs { get; init; }
    public string? VerdictSummary { get; init; }
    public JsonObject? Checks { get; init; }
    public IReadOnlyList<CheckRecord> CheckRows { get; init; } = [];
    public IReadOnlyList<RunRecord> Runs { get; init; } = [];
    public IReadOnlyList<TrajectoryEntry> Trajectory { get; init; } = [];

    /// <summary>Reads an episode folder. <paramref name="scored"/>: a scorer was configured, so a missing submission counts as FSR 0.</summary>
    public static EpisodeRecord Read(string episodeDirectory, TaskManifest task, bool scored, TokenPrice? price)
    {
        var trajectory = TrajectoryReader.Read(Path.Combine(episodeDirectory, "trajectory.jsonl"));
        var reset = trajectory.FirstOrDefault(e => e.Kind == TrajectoryEntry.ResetKind)
            ?? throw new InvalidDataException($"{episodeDirectory}: the trajectory has no reset line.");
        var steps = trajectory.Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        var last = steps.LastOrDefault();
        var terminal = steps.LastOrDefault(s => s.Terminated);
        var agentJson = ReadJson(Path.Combine(episodeDirectory, "agent.json"));

        var info = terminal?.Info;
        var verdictText = info?["verdict"]?.GetValue<string>();
        var checksJson = info?["checks"] as JsonObject;
        var checks = ReadChecks(checksJson);
        var verdict = terminal is null ? "not_submitted" : verdictText ?? "unverified";
        var verifiedLoss = checks?.Reward.VerifiedHeldoutLoss;
        var verifiedTime = checks?.Reward.VerifiedTrainTimeMs;
        double? fsr = verdict switch
        {
            "passed" => checks?.Reward.Fsr ?? 0,
            "failed" => 0,
            "not_submitted" when scored => 0,
            _ => null,
        };

        var tokens = Usage(agentJson?["usage"] as JsonObject) ?? SumStepUsage(steps);
        // The code-review judge's model calls are part of the episode's cost.
        if (checks?.Review?.Usage is { } judge)
            tokens = tokens with
            {
                ModelCalls = tokens.ModelCalls + judge.ModelCalls,
                Input = tokens.Input + (judge.InputTokens ?? 0),
                Output = tokens.Output + (judge.OutputTokens ?? 0),
                Total = tokens.Total + (judge.TotalTokens ?? 0),
                Reasoning = tokens.Reasoning + (judge.ReasoningTokens ?? 0),
                CachedInput = tokens.CachedInput + (judge.CachedInputTokens ?? 0),
            };
        var submitted = info?["submitted"]?.GetValue<string>() is { } s && s != "workspace" ? s : null;
        var runs = ReadRuns(episodeDirectory, task, steps, submitted);
        var end = last is null ? reset.Timings.StartedAt.AddMilliseconds(reset.Timings.DurationMs) : last.Timings.StartedAt.AddMilliseconds(last.Timings.DurationMs);
        return new EpisodeRecord
        {
            EpisodeId = reset.EpisodeId,
            Directory = Path.GetFullPath(episodeDirectory),
            Agent = agentJson?["agent"]?.GetValue<string>() ?? steps.Select(e => e.Info?["agent"]?["agent"]?.GetValue<string>()).FirstOrDefault(a => a is not null) ?? "unknown",
            Model = agentJson?["model"]?["model"]?.GetValue<string>(),
            Steps = steps.Count,
            Reward = steps.Sum(e => e.Reward),
            Terminated = last?.Terminated ?? false,
            Truncated = last?.Truncated ?? false,
            StopReason = agentJson?["stop_reason"]?.GetValue<string>(),
            SubmittedRun = submitted,
            Verdict = verdict,
            VerifiedValLoss = verifiedLoss,
            VerifiedTrainTimeMs = verifiedTime,
            Fsr = fsr,
            TargetValLoss = task.TargetValLoss,
            BaselineTimeMs = task.BaselineTime.MeanMs,
            RecordTimeMs = task.RecordTime.MeanMs,
            Tokens = tokens,
            CostUsd = price?.Cost(tokens.Input, tokens.CachedInput, tokens.Output) ?? Num(agentJson?["cost_usd"]),
            WallMs = (end - reset.Timings.StartedAt).TotalMilliseconds,
            VerdictSummary = terminal?.Observation.Text,
            Checks = checksJson,
            CheckRows = checks is null ? [] : [.. checks.Named().Select(c => new CheckRecord(c.Name, c.Check.Passed, false, c.Check.Reason))],
            Runs = runs,
            Trajectory = trajectory,
        };
    }

    /// <summary>The typed verdict from a submit step's info; null when there is none or it is from another format.</summary>
    private static VerdictChecks? ReadChecks(JsonObject? json)
    {
        if (json is null) return null;
        try
        {
            return VerdictChecks.Read(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<RunRecord> ReadRuns(string episodeDirectory, TaskManifest task, IReadOnlyList<TrajectoryEntry> steps, string? submitted)
    {
        var runsDirectory = Path.Combine(episodeDirectory, "runs");
        if (!System.IO.Directory.Exists(runsDirectory)) return [];
        var startHash = CodeHash(Path.Combine(episodeDirectory, "start"));
        var list = new List<RunRecord>();
        var directories = System.IO.Directory.GetDirectories(runsDirectory)
            .OrderBy(d => int.TryParse(Path.GetFileName(d).Replace("run-", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
            .ThenBy(d => d, StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            var runId = Path.GetFileName(directory);
            var summary = ReadJson(Path.Combine(directory, "run.json"));
            var metrics = ReadMetrics(Path.Combine(directory, "metrics.jsonl"));
            var facts = StepInfo.Of(summary);
            var state = facts.RunState ?? "unknown";
            // A summary's null last_val_loss may mean the last one printed was nan: no earlier value stands in for it.
            var finalLoss = summary is not null ? facts.LastValLoss : metrics.LastOrDefault(m => m.HasValLoss)?.ValLoss;
            var trainTime = facts.TrainTimeMs ?? metrics.LastOrDefault(m => m.TrainTimeMs is not null)?.TrainTimeMs;
            var succeeded = state == "succeeded";
            var buggy = !succeeded || finalLoss is null || !double.IsFinite(finalLoss.Value);
            var valid = !buggy && finalLoss <= task.TargetValLoss;
            // Improved: valid and faster than the starting record by more than its run-to-run noise (2 std, at least
            // 1 %), by the run's own host-parsed (unverified) time; an unchanged script must not count by luck.
            var margin = Math.Max(2 * task.BaselineTime.StdMs, 0.01 * task.BaselineTime.MeanMs);
            var improved = valid && trainTime is { } t && t < task.BaselineTime.MeanMs - margin;
            var started = steps.FirstOrDefault(s => s.ToolCall?.Name == ToolNames.RunTraining && StepInfo.Of(s.Info).RunId == runId);
            var agentInfo = started?.Info?["agent"] as JsonObject;
            list.Add(new RunRecord(
                runId, state, (int?)Num(summary?["exit_code"]), facts.Reason, finalLoss, trainTime, Num(summary?["elapsed_s"]),
                buggy, valid, improved,
                startHash is not null && CodeHash(Path.Combine(directory, "workspace")) == startHash,
                runId == submitted,
                (int?)Num(agentInfo?["node"]), agentInfo?["stage"]?.GetValue<string>(),
                Curve(metrics)));
        }
        return list;
    }

    /// <summary>The loss curves, compact: val as [step, train_time_ms, loss], train thinned to at most 200 points.</summary>
    private static string Curve(IReadOnlyList<MetricEvent> metrics)
    {
        static JsonArray Point(MetricEvent m, double loss) => new(m.Step, m.TrainTimeMs, loss);
        var val = metrics.Where(m => m.ValLoss is not null).Select(m => (JsonNode)Point(m, m.ValLoss!.Value)).ToArray();
        var train = metrics.Where(m => m.TrainLoss is not null).ToList();
        var stride = Math.Max(1, (int)Math.Ceiling(train.Count / 200.0));
        var thinned = train.Where((_, i) => i % stride == 0 || i == train.Count - 1).Select(m => (JsonNode)Point(m, m.TrainLoss!.Value)).ToArray();
        return new JsonObject { ["val"] = new JsonArray(val), ["train"] = new JsonArray(thinned) }.ToJsonString(JsonDefaults.Options);
    }

    private static List<MetricEvent> ReadMetrics(string path)
    {
        var list = new List<MetricEvent>();
        if (!File.Exists(path)) return list;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<MetricEvent>(line, JsonDefaults.Options) is { } m) list.Add(m);
            }
            catch (JsonException)
            {
                // A line cut by a killed process: the rest of the curve still counts.
            }
        }
        return list;
    }

    /// <summary>A hash of a folder's files (names and bytes); null when the folder is missing.</summary>
    private static string? CodeHash(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(directory, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static TokenTotals? Usage(JsonObject? u) => u is null ? null : new TokenTotals(
        (long)(Num(u["model_calls"]) ?? 0), (long)(Num(u["input_tokens"]) ?? 0), (long)(Num(u["output_tokens"]) ?? 0),
        (long)(Num(u["total_tokens"]) ?? 0), (long)(Num(u["reasoning_tokens"]) ?? 0), (long)(Num(u["cached_input_tokens"]) ?? 0));

    private static TokenTotals SumStepUsage(IEnumerable<TrajectoryEntry> steps)
    {
        var total = new TokenTotals(0, 0, 0, 0, 0, 0);
        foreach (var s in steps)
            if (Usage(s.Info?["agent"]?["usage"] as JsonObject) is { } u)
                total = new TokenTotals(total.ModelCalls + u.ModelCalls, total.Input + u.Input, total.Output + u.Output, total.Total + u.Total, total.Reasoning + u.Reasoning, total.CachedInput + u.CachedInput);
        return total;
    }

    private static JsonObject? ReadJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON number whatever CLR type it was stored as; null for anything else.</summary>
    internal static double? Num(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
