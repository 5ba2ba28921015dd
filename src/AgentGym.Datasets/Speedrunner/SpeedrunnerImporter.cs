using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;

namespace AgentGym.Datasets;

/// <summary>A file of the clone that is present but unusable, and why.</summary>
public sealed record SpeedrunImportProblem(string File, string Reason)
{
    public override string ToString() => $"{File}: {Reason}";
}

/// <summary>
/// What an import did: the tasks whose starting script is now in place, the clone's files that were
/// missing, the ones that were malformed (paths relative to the clone), and checks worth a look.
/// </summary>
public sealed record SpeedrunImportResult(
    IReadOnlyList<string> ImportedTasks,
    IReadOnlyList<string> MissingFiles,
    IReadOnlyList<SpeedrunImportProblem> MalformedFiles,
    IReadOnlyList<string> Warnings)
{
    public bool Complete => MissingFiles.Count == 0 && MalformedFiles.Count == 0;
}

/// <summary>Imports the starting scripts, metrics and hints of the Automated LLM Speedrunning Benchmark from a local clone.</summary>
public static class SpeedrunImport
{
    /// <summary>The task family, and its folder under the tasks root.</summary>
    public const string Family = SpeedrunnerImporter.Family;

    /// <summary>The starting records R of the benchmark's tasks R -> R+1.</summary>
    public static IReadOnlyList<int> Records => SpeedrunnerImporter.TaskRecords;

    /// <summary>Copies what the clone holds into tasksRoot/nanogpt-speedrun/record-R/{start,hints}/ for the 19 tasks.</summary>
    /// <param name="progress">Told each starting record R once its task is done, in order; cancelling from it stops the import before the next.</param>
    /// <exception cref="ArgumentException">The clone folder does not exist or is not the benchmark; the message says which.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every file written so far is whole.</exception>
    public static Task<SpeedrunImportResult> RunAsync(string clonePath, string tasksRoot, CancellationToken cancellationToken, IProgress<int>? progress = null) =>
        new SpeedrunnerImporter(clonePath, tasksRoot, progress).RunAsync(cancellationToken);
}

internal sealed partial class SpeedrunnerImporter
{
    public const string Family = "nanogpt-speedrun";
    public const string StartScript = "start/train_gpt2.py";
    public const string StartMetrics = "start/start-metrics.json";
    private const string ManifestFileName = "task.json";

    /// <summary>The benchmark's 19 tasks: record R -> R+1 for R = 1..20, without 6 (a PyTorch upgrade with no code change).</summary>
    public static IReadOnlyList<int> TaskRecords { get; } = [.. Enumerable.Range(1, 20).Where(r => r != 6)];

    /// <summary>Hint levels: the benchmark's file in record_R (the change R -> R+1) and where the task manifest expects it.</summary>
    public static IReadOnlyList<(string Level, string Source, string Target)> Hints { get; } =
    [
        ("L1", "level_1_pseudo.txt", "hints/level_1_pseudo.txt"),
        ("L2", "level_2_description.txt", "hints/level_2_description.txt"),
        ("L3", "level_3_paper.txt", "hints/level_3_paper.txt"),
    ];

    private const string Templates = "workspace_templates/nanogpt_speedrun";
    private const string Knowledge = "data/nanogpt_speedrun_knowledge_in_levels";
    private const string Configs = "config/task/nanogpt_speedrun";

    private readonly string _clone;
    private readonly string _tasksRoot;
    private readonly List<string> _imported = [];
    private readonly List<string> _missing = [];
    private readonly List<SpeedrunImportProblem> _malformed = [];
    private readonly List<string> _warnings = [];
    private readonly IProgress<int>? _progress;

    /// <summary>The manifests, loaded once when the first one is needed (they only feed warnings).</summary>
    private TaskCatalog? _catalog;

    public SpeedrunnerImporter(string clonePath, string tasksRoot, IProgress<int>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clonePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(tasksRoot);
        _clone = Path.GetFullPath(clonePath);
        _tasksRoot = Path.GetFullPath(tasksRoot);
        _progress = progress;
    }

    public async Task<SpeedrunImportResult> RunAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_clone))
            throw new ArgumentException($"{_clone}: no such folder (expected a clone of facebookresearch/llm-speedrunner).");
        if (!new[] { Templates, Knowledge, Configs }.Any(d => Directory.Exists(InClone(d))))
            throw new ArgumentException($"{_clone}: does not look like a clone of facebookresearch/llm-speedrunner: none of {Templates}/, {Knowledge}/, {Configs}/ exists.");

        foreach (var record in TaskRecords)
        {
            ct.ThrowIfCancellationRequested();
            await ImportRecordAsync(record, ct).ConfigureAwait(false);
            _progress?.Report(record);
        }
        return new SpeedrunImportResult(_imported, _missing, _malformed, _warnings);
    }

    private async Task ImportRecordAsync(int r, CancellationToken ct)
    {
        var id = $"{Family}/record-{r}";
        var taskDir = Path.Combine(_tasksRoot, Family, $"record-{r}");
        var manifest = LoadManifest(r, taskDir);

        var script = $"{Templates}/record_{r}/train_gpt2.py";
        var scriptBytes = await ReadAsync(script, ct).ConfigureAwait(false);
        if (scriptBytes is not null)
        {
            if (IsBlank(scriptBytes)) Malformed(script, "is empty");
            else
            {
                await WriteAsync(Path.Combine(taskDir, StartScript), scriptBytes, ct).ConfigureAwait(false);
                _imported.Add(id);
            }
        }

        var results = $"{Templates}/record_{r}/results.json";
        var resultsBytes = await ReadAsync(results, ct).ConfigureAwait(false);
        if (resultsBytes is not null && ParseMetrics(results, resultsBytes) is { } metrics)
        {
            var start = new StartMetricsFile(r, results, metrics.NSteps, metrics.ValLoss, metrics.TrainTimeMs);
            await WriteAsync(Path.Combine(taskDir, StartMetrics), JsonSerializer.SerializeToUtf8Bytes(start, JsonDefaults.Indented), ct).ConfigureAwait(false);
            if (manifest is not null && Math.Abs(manifest.BaselineTime.MeanMs - metrics.TrainTimeMs) > 0.5)
                _warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{results}: train_time {metrics.TrainTimeMs} ms differs from {id}'s baseline_time.mean_ms {manifest.BaselineTime.MeanMs} ms (the manifest's FSR uses the latter)."));
        }

        foreach (var (_, source, target) in Hints)
        {
            var hint = $"{Knowledge}/record_{r}/{source}";
            var text = await ReadAsync(hint, ct).ConfigureAwait(false);
            if (text is null) continue;
            if (IsBlank(text)) Malformed(hint, "is empty");
            else await WriteAsync(Path.Combine(taskDir, target), text, ct).ConfigureAwait(false);
        }

        // Only checked: the per-record config is three lines that point at the template folder.
        var config = $"{Configs}/speedrun_record_{r}.yaml";
        var configBytes = await ReadAsync(config, ct).ConfigureAwait(false);
        if (configBytes is not null && !TemplateLine().Matches(Encoding.UTF8.GetString(configBytes)).Any(m => m.Groups[1].Value == $"nanogpt_speedrun/record_{r}"))
            Malformed(config, $"has no 'template_dirname: nanogpt_speedrun/record_{r}' line");
    }

    private TaskManifest? LoadManifest(int r, string taskDir)
    {
        var file = Path.Combine(taskDir, ManifestFileName);
        if (!File.Exists(file))
        {
            _warnings.Add($"{Path.GetRelativePath(_tasksRoot, file)}: no manifest; the files imported for record {r} belong to no task.");
            return null;
        }
        // The catalogue names a manifest relative to the tasks folder's parent (tasks/<family>/<task>/task.json).
        var named = Path.GetRelativePath(Path.GetDirectoryName(_tasksRoot) ?? _tasksRoot, file);
        _catalog ??= TaskCatalog.Load(_tasksRoot);
        foreach (var error in _catalog.Errors.Where(e => e.File == named)) _warnings.Add($"manifest {error}");
        return _catalog.Tasks.FirstOrDefault(t => Path.GetFullPath(t.Directory) == taskDir);
    }

    private sealed record Metrics(long NSteps, double ValLoss, double TrainTimeMs);

    /// <summary>The benchmark's results.json: {"metrics": {"n_steps": int, "val_loss": float, "train_time": ms}}.</summary>
    private Metrics? ParseMetrics(string file, byte[] text)
    {
        JsonDocument doc;
        try
        {
            // Editors on Windows add a UTF-8 byte order mark, which the JSON reader rejects.
            doc = JsonDocument.Parse(text.AsMemory(text.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0));
        }
        catch (JsonException ex)
        {
            Malformed(file, $"not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1})");
            return null;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("metrics", out var metrics))
            {
                Malformed(file, "has no 'metrics' object");
                return null;
            }
            if (metrics.ValueKind != JsonValueKind.Object)
            {
                Malformed(file, $"metrics: expected an object, found {Describe(metrics.ValueKind)}");
                return null;
            }
            var steps = Number(file, metrics, "n_steps");
            var loss = Number(file, metrics, "val_loss");
            var time = Number(file, metrics, "train_time");
            if (steps is null || loss is null || time is null) return null;
            if (steps < 1 || steps != Math.Floor(steps.Value)) { Malformed(file, $"metrics.n_steps: expected a positive whole number, found {steps}"); return null; }
            if (loss <= 0) { Malformed(file, $"metrics.val_loss: expected a positive number, found {loss}"); return null; }
            if (time <= 0) { Malformed(file, $"metrics.train_time: expected a positive number of milliseconds, found {time}"); return null; }
            return new Metrics((long)steps.Value, loss.Value, time.Value);
        }
    }

    private double? Number(string file, JsonElement metrics, string name)
    {
        if (!metrics.TryGetProperty(name, out var value))
        {
            Malformed(file, $"metrics.{name} is missing");
            return null;
        }
        // Numbers written as strings are accepted: the value, not its JSON spelling, is what matters.
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)) return number;
        if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number)) return number;
        Malformed(file, $"metrics.{name}: expected a number, found {Describe(value.ValueKind)}");
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The file's bytes (copied as they are), or null (and the file listed) when the clone lacks it or it cannot be read.</summary>
    private async Task<byte[]?> ReadAsync(string relative, CancellationToken ct)
    {
        var path = InClone(relative);
        if (!File.Exists(path))
        {
            _missing.Add(relative);
            return null;
        }
        try
        {
            return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Malformed(relative, $"cannot be read: {ex.Message}");
            return null;
        }
    }

    /// <summary>Replaces the file whole: a cancelled or failed import never leaves half a script behind.</summary>
    private static async Task WriteAsync(string path, byte[] bytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".importing";
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static bool IsBlank(byte[] bytes) => string.IsNullOrWhiteSpace(Encoding.UTF8.GetString(bytes).Trim('\uFEFF'));

    private string InClone(string relative) => Path.Combine(_clone, relative.Replace('/', Path.DirectorySeparatorChar));

    private void Malformed(string file, string reason) => _malformed.Add(new SpeedrunImportProblem(file, reason));

    /// <summary>start/start-metrics.json: the benchmark's measurement of the starting record, units in the names.</summary>
    private sealed record StartMetricsFile(int Record, string Source, long NSteps, double ValLoss, double TrainTimeMs);

    [GeneratedRegex(@"^\s*template_dirname\s*:\s*['""]?([^'""\s#]+)['""]?\s*(?:#.*)?$", RegexOptions.Multiline)]
    private static partial Regex TemplateLine();
}
