using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;
using AgentGym.Core.Trajectories;
using AgentGym.Eval.Results;

namespace AgentGym.Eval.Export;

public sealed record ExportSummary(int Episodes, string OutputPath, IReadOnlyList<string> Skipped);

/// <summary>
/// Writes episodes as JSON Lines in the OpenAI chat format, for SFT and RL: per episode one line with "messages"
/// (the task prompt as the user message; each model turn as an assistant message with tool_calls; each tool result
/// as a tool message with its tool_call_id), the environment's "tools" (function schemas), the episode "reward" and
/// "metadata". A trajectory records actions, not the agents' private prompts: scaffolds' internal model calls (which
/// propose code) are not in it, only the tool calls they led to.
/// </summary>
public static class ChatExport
{
    /// <param name="source">A results file (SQLite), an episodes folder, or one episode's folder.</param>
    public static async Task<ExportSummary> WriteAsync(string source, string outputPath, CancellationToken cancellationToken = default)
    {
        var episodes = await LoadAsync(source, cancellationToken).ConfigureAwait(false);
        var tools = await ToolsAsync().ConfigureAwait(false);
        var full = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        await using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            foreach (var e in episodes.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = new JsonObject
                {
                    ["messages"] = Messages(e.Trajectory),
                    ["tools"] = tools.DeepClone(),
                    ["reward"] = e.Reward,
                    ["metadata"] = e.Metadata,
                };
                await writer.WriteLineAsync(line.ToJsonString(JsonDefaults.Options).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
        // Written aside and moved: a reader never sees a half-written export.
        File.Move(temp, full, overwrite: true);
        return new ExportSummary(episodes.Items.Count, full, episodes.Skipped);
    }

    private sealed record ExportItem(IReadOnlyList<TrajectoryEntry> Trajectory, double Reward, JsonObject Metadata);

    private static async Task<(List<ExportItem> Items, List<string> Skipped)> LoadAsync(string source, CancellationToken cancellationToken)
    {
        if (File.Exists(source)) return (await FromResultsAsync(source, cancellationToken).ConfigureAwait(false), []);
        if (!Directory.Exists(source)) throw new FileNotFoundException($"No results file or episodes folder at {source}.", source);
        var items = new List<ExportItem>();
        var skipped = new List<string>();
        var files = File.Exists(Path.Combine(source, "trajectory.jsonl"))
            ? [Path.Combine(source, "trajectory.jsonl")]
            : Directory.EnumerateFiles(source, "trajectory.jsonl", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 }).Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            try
            {
                var trajectory = TrajectoryReader.Read(file);
                var reset = trajectory.FirstOrDefault(t => t.Kind == TrajectoryEntry.ResetKind);
                if (reset is null) { skipped.Add($"{file}: no reset line"); continue; }
                // An episode whose process was killed has no end: no agent.json and no terminal or truncated step.
                // Its results cell was redone in another folder, so it is left out rather than trained on.
                if (!File.Exists(Path.Combine(Path.GetDirectoryName(file)!, "agent.json")) && !(trajectory[^1].Terminated || trajectory[^1].Truncated))
                {
                    skipped.Add($"{file}: the episode never ended (interrupted)");
                    continue;
                }
                var terminal = trajectory.LastOrDefault(t => t.Terminated);
                var metadata = new JsonObject
                {
                    ["episode_id"] = reset.EpisodeId,
                    ["task_id"] = reset.TaskId,
                    ["hints"] = reset.Info?["hints"]?.DeepClone(),
                    ["seed"] = reset.Info?["seed"]?.DeepClone(),
                    ["agent"] = trajectory.Select(t => t.Info?["agent"]?["agent"]?.GetValue<string>()).FirstOrDefault(a => a is not null),
                    ["verdict"] = terminal is null ? "not_submitted" : terminal.Info?["verdict"]?.GetValue<string>() ?? "unverified",
                    ["terminated"] = trajectory.Count > 1 && trajectory[^1].Terminated,
                    ["truncated"] = trajectory.Count > 1 && trajectory[^1].Truncated,
                };
                items.Add(new ExportItem(trajectory, trajectory.Sum(t => t.Reward), metadata));
            }
            catch (InvalidDataException ex)
            {
                skipped.Add(ex.Message);
            }
        }
        return (items, skipped);
    }

    private static async Task<List<ExportItem>> FromResultsAsync(string path, CancellationToken cancellationToken)
    {
        await using var store = await ResultsStore.OpenAsync(path, create: false, cancellationToken).ConfigureAwait(false);
        var episodes = await store.QueryAsync("""
            SELECT e.cell_id, e.episode_id, e.reward, e.verdict, e.fsr, e.verified_val_loss, e.verified_train_time_ms, e.terminated, e.truncated,
                   c.task_id, c.hints, c.agent, c.seed
            FROM episodes e JOIN cells c ON c.id = e.cell_id WHERE c.status = 'done' ORDER BY c.ordinal
            """, r => (CellId: r.Long("cell_id")!.Value, Metadata: new JsonObject
            {
                ["episode_id"] = r.Text("episode_id"),
                ["task_id"] = r.Text("task_id"),
                ["hints"] = r.Text("hints"),
                ["seed"] = r.Long("seed"),
                ["agent"] = r.Text("agent"),
                ["verdict"] = r.Text("verdict"),
                ["fsr"] = r.Double("fsr"),
                ["verified_val_loss"] = r.Double("verified_val_loss"),
                ["verified_train_time_ms"] = r.Double("verified_train_time_ms"),
                ["terminated"] = r.Bool("terminated"),
                ["truncated"] = r.Bool("truncated"),
            }, Reward: r.Double("reward") ?? 0), cancellationToken).ConfigureAwait(false);
        var items = new List<ExportItem>();
        foreach (var (cellId, metadata, reward) in episodes)
        {
            var episodeId = metadata["episode_id"]!.GetValue<string>();
            var steps = await store.QueryAsync("SELECT * FROM steps WHERE cell_id = $cell ORDER BY step", r => new TrajectoryEntry
            {
                Kind = r.Text("kind")!,
                Step = (int)r.Long("step")!.Value,
                EpisodeId = episodeId,
                ToolCall = r.Text("tool") is { } tool ? new TrajectoryToolCall(tool, r.Text("arguments") ?? "{}") : null,
                Observation = new TrajectoryObservation(r.Text("observation") ?? "", r.Bool("is_error")),
                Reward = r.Double("reward") ?? 0,
                Terminated = r.Bool("terminated"),
                Truncated = r.Bool("truncated"),
                Info = r.Text("info") is { } info ? JsonNode.Parse(info) as JsonObject : null,
                Timings = new TrajectoryTimings(default, r.Double("duration_ms") ?? 0),
            }, cancellationToken, ("$cell", cellId)).ConfigureAwait(false);
            items.Add(new ExportItem(steps, reward, metadata));
        }
        return items;
    }

    /// <summary>The chat messages of one trajectory; steps of one model turn (info.agent.model_turn) share an assistant message.</summary>
    internal static JsonArray Messages(IReadOnlyList<TrajectoryEntry> trajectory)
    {
        var messages = new JsonArray();
        var reset = trajectory.FirstOrDefault(t => t.Kind == TrajectoryEntry.ResetKind);
        if (reset is not null) messages.Add(new JsonObject { ["role"] = "user", ["content"] = reset.Observation.Text });
        var steps = trajectory.Where(t => t.Kind == TrajectoryEntry.StepKind && t.ToolCall is not null).ToList();
        var i = 0;
        while (i < steps.Count)
        {
            var turn = steps[i].Info?["agent"]?["model_turn"]?.ToJsonString();
            var group = new List<TrajectoryEntry> { steps[i] };
            while (turn is not null && i + group.Count < steps.Count && steps[i + group.Count].Info?["agent"]?["model_turn"]?.ToJsonString() == turn)
                group.Add(steps[i + group.Count]);
            var calls = new JsonArray();
            var ids = new List<string>();
            foreach (var s in group)
            {
                var id = s.Info?["agent"]?["tool_call_id"]?.GetValue<string>() ?? $"call_{s.Step}";
                ids.Add(id);
                calls.Add(new JsonObject
                {
                    ["id"] = id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = s.ToolCall!.Name, ["arguments"] = s.ToolCall.Arguments },
                });
            }
            messages.Add(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = group[0].Info?["agent"]?["assistant_text"]?.GetValue<string>(),
                ["tool_calls"] = calls,
            });
            for (var k = 0; k < group.Count; k++)
                messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = ids[k], ["content"] = group[k].Observation.Text });
            i += group.Count;
        }
        return messages;
    }

    private static async Task<JsonArray> ToolsAsync()
    {
        // The descriptors come from an environment (no task is needed to list tools), so the export always matches
        // the tools the agents were given.
        var environment = GymEnvironment.Create(new GymOptions
        {
            Tasks = TaskCatalog.Load(Path.Combine(Path.GetTempPath(), "agentgym-no-tasks-" + Guid.NewGuid().ToString("N"))),
            EpisodesDirectory = Path.GetTempPath(),
        });
        await using (environment.ConfigureAwait(false))
            return new JsonArray([.. environment.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = t.Name,
                    ["description"] = t.Description,
                    ["parameters"] = t.ParametersSchema.DeepClone(),
                },
            })]);
    }
}
