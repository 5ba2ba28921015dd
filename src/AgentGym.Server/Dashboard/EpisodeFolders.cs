using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Workspace;

namespace AgentGym.Server.Dashboard;

/// <summary>
/// Reads episodes from the episodes folder as they are on disk, live or finished, whoever ran them (this server, the
/// CLI, an evaluation): episode.json, trajectory.jsonl, agent.json, runs/run-N and verification/*/verdict.json. Files
/// still being written are read tolerantly: a half-written last line is skipped, never an error.
/// </summary>
internal sealed class EpisodeFolders(string episodesDirectory, Func<string, bool> isLive)
{
    private const int MaxDiffChars = 400_000;
    private const int LogTailLines = 200;

    public string Root { get; } = Path.GetFullPath(episodesDirectory);

    /// <summary>Every folder holding an episode.json, newest first.</summary>
    public JsonArray List()
    {
        if (!Directory.Exists(Root)) return [];
        var rows = new List<JsonObject>();
        foreach (var directory in Directory.EnumerateDirectories(Root))
            if (Summary(directory) is { } row) rows.Add(row);
        return [.. rows.OrderByDescending(r => r["started_at"]?.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>One episode with its steps, diff, runs and verdicts; null when there is no such episode folder.</summary>
    public JsonObject? Detail(string id)
    {
        if (Folder(id) is not { } directory || Summary(directory) is not { } episode) return null;
        episode["steps_list"] = new JsonArray([.. ReadJsonLines(Path.Combine(directory, "trajectory.jsonl")).Select(Step)]);
        var diff = Diff(directory);
        episode["diff"] = diff.Length > MaxDiffChars ? diff[..MaxDiffChars] + "\n... (diff cut at 400000 characters)" : diff;
        episode["runs"] = new JsonArray([.. RunFolders(directory).Select(r => (JsonNode)RunSummary(r))]);
        episode["verdicts"] = new JsonArray([.. Verdicts(directory)]);
        return episode;
    }

    /// <summary>A run's metric events, its log's last lines and its summary (null while it is still running).</summary>
    public JsonObject? Run(string id, string runId)
    {
        if (Folder(id) is not { } directory || !IsName(runId)) return null;
        var runDir = Path.Combine(directory, "runs", runId);
        if (!Directory.Exists(runDir)) return null;
        var summary = RunSummary(runDir);
        summary["metrics"] = new JsonArray([.. ReadJsonLines(Path.Combine(runDir, "metrics.jsonl"))]);
        summary["log_tail"] = new JsonArray([.. Tail(Path.Combine(runDir, "log.txt"), LogTailLines).Select(l => (JsonNode)JsonValue.Create(l))]);
        summary["live"] = isLive(id) && summary["finished"]!.GetValue<bool>() == false;
        return summary;
    }

    private JsonObject? Summary(string directory)
    {
        var episode = ReadJson(Path.Combine(directory, "episode.json"));
        if (episode is null) return null;
        var id = Path.GetFileName(directory);
        var steps = ReadJsonLines(Path.Combine(directory, "trajectory.jsonl")).ToList();
        var agent = ReadJson(Path.Combine(directory, "agent.json"));
        var last = steps.LastOrDefault();
        var ended = last is not null && (Flag(last, "terminated") || Flag(last, "truncated"));
        var live = isLive(id);
        var budgets = episode["budgets"] as JsonObject;
        return new JsonObject
        {
            ["episode_id"] = id,
            ["task_id"] = episode["task_id"]?.DeepClone(),
            ["hints"] = episode["hints"]?.DeepClone(),
            ["seed"] = episode["seed"]?.DeepClone(),
            ["started_at"] = episode["started_at"]?.DeepClone(),
            ["agent"] = agent?["agent"]?.DeepClone(),
            ["model"] = agent?["model"]?.DeepClone(),
            ["stop_reason"] = agent?["stop_reason"]?.DeepClone(),
            ["state"] = ended ? "ended" : live ? "live" : agent is not null ? "stopped" : "unfinished",
            ["hosted"] = live,
            ["steps"] = steps.Count(s => s["kind"]?.ToString() == "step"),
            ["max_steps"] = budgets?["max_steps"]?.DeepClone(),
            ["runs"] = RunFolders(directory).Count(),
            ["max_training_runs"] = budgets?["max_training_runs"]?.DeepClone(),
            ["budgets"] = budgets?.DeepClone(),
            ["reward"] = steps.Sum(s => s["reward"] is JsonValue v && v.TryGetValue<double>(out var r) ? r : 0),
            ["last_step_at"] = last?["timings"]?["started_at"]?.DeepClone(),
        };
    }

    private static JsonNode Step(JsonObject entry)
    {
        var call = entry["tool_call"] as JsonObject;
        return new JsonObject
        {
            ["step"] = entry["step"]?.DeepClone(),
            ["kind"] = entry["kind"]?.DeepClone(),
            ["tool"] = call?["name"]?.DeepClone(),
            ["arguments"] = call?["arguments"]?.DeepClone(),
            ["observation"] = entry["observation"]?["text"]?.DeepClone(),
            ["is_error"] = entry["observation"]?["is_error"]?.DeepClone(),
            ["reward"] = entry["reward"]?.DeepClone(),
            ["terminated"] = entry["terminated"]?.DeepClone(),
            ["truncated"] = entry["truncated"]?.DeepClone(),
            ["duration_ms"] = entry["timings"]?["duration_ms"]?.DeepClone(),
            ["info"] = entry["info"]?.DeepClone(),
        };
    }

    private static string Diff(string directory)
    {
        try
        {
            return WorkspaceDiff.Create(Path.Combine(directory, "start"), Path.Combine(directory, "workspace"));
        }
        catch (IOException ex)
        {
            return $"(the diff could not be made: {ex.Message})";
        }
    }

    private static IEnumerable<string> RunFolders(string directory)
    {
        var runs = Path.Combine(directory, "runs");
        return Directory.Exists(runs)
            ? Directory.EnumerateDirectories(runs).OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal)
            : [];
    }

    private static JsonObject RunSummary(string runDir)
    {
        var summary = ReadJson(Path.Combine(runDir, "run.json"));
        var row = summary ?? new JsonObject { ["state"] = "running" };
        row["run_id"] = Path.GetFileName(runDir);
        // run.json is written at the start and while the run goes on too (so that a killed server leaves it described):
        // only a state past running is an end.
        row["finished"] = summary?["state"] is JsonValue state && state.TryGetValue<string>(out var s) && s != "running";
        return row;
    }

    /// <summary>Every verdict.json, oldest first, passed through as written: the page renders any shape of checks.</summary>
    private static IEnumerable<JsonNode> Verdicts(string directory)
    {
        var root = Path.Combine(directory, "verification");
        if (!Directory.Exists(root)) yield break;
        foreach (var stamp in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            if (ReadJson(Path.Combine(stamp, "verdict.json")) is { } verdict)
            {
                verdict["verification"] = Path.GetFileName(stamp);
                yield return verdict;
            }
    }

    private string? Folder(string id)
    {
        if (!IsName(id)) return null;
        var directory = Path.Combine(Root, id);
        return Directory.Exists(directory) ? directory : null;
    }

    /// <summary>Ids come from URLs: one plain folder name, so that no request can reach outside the episodes folder.</summary>
    private static bool IsName(string name) =>
        name.Length is > 0 and <= 200 && name is not "." and not ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static bool Flag(JsonObject entry, string name) => entry[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static JsonObject? ReadJson(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(ReadShared(path)) as JsonObject : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<JsonObject> ReadJsonLines(string path)
    {
        if (!File.Exists(path)) return [];
        string text;
        try { text = ReadShared(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return []; }
        var rows = new List<JsonObject>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonNode.Parse(line) is JsonObject row) rows.Add(row);
            }
            catch (JsonException)
            {
                // The writer's line in progress.
            }
        }
        return rows;
    }

    private static IEnumerable<string> Tail(string path, int lines)
    {
        if (!File.Exists(path)) return [];
        try
        {
            var all = ReadShared(path).Split('\n');
            var end = all.Length > 0 && all[^1].Length == 0 ? all.Length - 1 : all.Length;
            return all[Math.Max(0, end - lines)..end].Select(l => l.TrimEnd('\r'));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Reads a file another process may be appending to (the run's writer keeps it open).</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
