using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGym.Core.Json;

namespace AgentGym.Core.Tasks;

internal static partial class TaskLoader
{
    public const string ManifestFileName = "task.json";

    public static TaskCatalog LoadAll(string tasksRoot)
    {
        var root = Path.GetFullPath(tasksRoot);
        var tasks = new List<TaskManifest>();
        var errors = new List<TaskLoadError>();
        if (!Directory.Exists(root))
            return new TaskCatalog(root, tasks, [new TaskLoadError(root, "(folder)", "the tasks folder does not exist")]);

        var files = Directory.EnumerateFiles(root, ManifestFileName, new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .OrderBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var (task, fileErrors) = LoadOne(file, root);
            errors.AddRange(fileErrors);
            if (task is null) continue;
            var duplicate = tasks.FirstOrDefault(t => t.Id == task.Id);
            if (duplicate is not null)
            {
                errors.Add(new TaskLoadError(Relative(root, file), "id", $"'{task.Id}' is already used by {Relative(root, Path.Combine(duplicate.Directory, ManifestFileName))}"));
                continue;
            }
            tasks.Add(task);
        }
        tasks.Sort((a, b) => NaturalOrder.Instance.Compare(a.Id, b.Id));
        return new TaskCatalog(root, tasks, errors);
    }

    public static (TaskManifest? Task, IReadOnlyList<TaskLoadError> Errors) LoadOne(string file, string tasksRoot)
    {
        var display = Relative(tasksRoot, file);
        TaskManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<TaskManifest>(File.ReadAllText(file), JsonDefaults.Options);
        }
        catch (JsonException ex)
        {
            return (null, [Describe(display, ex)]);
        }
        catch (IOException ex)
        {
            return (null, [new TaskLoadError(display, "(file)", ex.Message)]);
        }
        if (manifest is null) return (null, [new TaskLoadError(display, "(root)", "the file holds null, not a task object")]);

        manifest = manifest with { Directory = Path.GetDirectoryName(Path.GetFullPath(file))! };
        var errors = Validate(manifest, display, tasksRoot);
        return (errors.Count == 0 ? manifest : null, errors);
    }

    /// <summary>How far below the counted-bigram loss (data.reference_losses.bigram) a target must sit, in nats.</summary>
    public const double TrivialMargin = 0.05;

    private static List<TaskLoadError> Validate(TaskManifest m, string display, string tasksRoot)
    {
        var errors = new List<TaskLoadError>();
        void Check(bool ok, string field, string reason) { if (!ok) errors.Add(new TaskLoadError(display, field, reason)); }

        Check(IdPattern().IsMatch(m.Id), "id", $"'{m.Id}' must look like family/name (letters, digits, '-', '_', '.')");
        Check(m.Title.Trim().Length > 0, "title", "must not be empty");
        Check(m.EntryCommand.Count > 0 && m.EntryCommand.All(a => a.Length > 0), "entry_command", "must be a non-empty list of non-empty strings");
        Check(m.StartingFiles.Count > 0, "starting_files", "must list at least one file or folder");
        foreach (var (entry, i) in m.StartingFiles.Select((e, i) => (e, i)))
        {
            var full = Path.GetFullPath(Path.Combine(m.Directory, entry));
            Check(full.StartsWith(Path.GetFullPath(tasksRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"starting_files[{i}]", $"'{entry}' lies outside the tasks folder");
            Check(File.Exists(full) || Directory.Exists(full) || m.RequiresImport, $"starting_files[{i}]", $"'{entry}' does not exist");
        }
        Check(m.Sandbox.Image.Trim().Length > 0, "sandbox.image", "must not be empty");
        Check(m.Resources.Cpus > 0, "resources.cpus", $"must be positive (got {m.Resources.Cpus})");
        Check(m.Resources.MemoryMb >= 64, "resources.memory_mb", $"must be at least 64 (got {m.Resources.MemoryMb})");
        Check(m.Resources.Gpus >= -1, "resources.gpus", "must be 0 (none), a count, or -1 (all)");
        Check(m.Resources.Pids >= 16, "resources.pids", $"must be at least 16 (got {m.Resources.Pids})");
        Check(double.IsFinite(m.TargetValLoss) && m.TargetValLoss > 0, "target_val_loss", $"must be a positive number (got {m.TargetValLoss})");
        Check(m.BaselineTime.MeanMs > 0, "baseline_time.mean_ms", "must be positive");
        Check(m.RecordTime.MeanMs > 0, "record_time.mean_ms", "must be positive");
        Check(m.RecordTime.MeanMs < m.BaselineTime.MeanMs, "record_time.mean_ms", $"must be below baseline_time.mean_ms ({m.RecordTime.MeanMs} >= {m.BaselineTime.MeanMs}), or FSR is undefined");
        Check(m.Verification.Mode is VerificationModes.Independent or VerificationModes.Log, "verification.mode", $"must be 'independent' or 'log' (got '{m.Verification.Mode}')");
        Check(m.Verification.Pairs >= 1, "verification.pairs", "must be at least 1");
        Check(m.Verification.ReportedLossTolerance is >= 0 and < 1, "verification.reported_loss_tolerance", "must be at least 0 and below 1");
        Check(m.Verification.SourceBudgetBytes is null or > 0, "verification.source_budget_bytes", "must be positive");
        foreach (var (entry, i) in (m.Verification.NextRecord?.StartingFiles ?? []).Select((e, i) => (e, i)))
        {
            var full = Path.GetFullPath(Path.Combine(m.Directory, entry));
            Check(File.Exists(full) || Directory.Exists(full) || m.RequiresImport, $"verification.next_record.starting_files[{i}]", $"'{entry}' does not exist");
        }
        // A target that counting bigrams reaches is solved in milliseconds within the task's rules.
        if (m.Data.ReferenceLosses is { } reference)
            Check(m.TargetValLoss <= reference.Bigram - TrivialMargin, "target_val_loss",
                $"{m.TargetValLoss} is above the counted-bigram loss {reference.Bigram} minus the margin {TrivialMargin}: a bigram table would reach it without training");
        Check(m.Verification.PValue is > 0 and < 1, "verification.p_value", "must be between 0 and 1");
        if (m.Verification.Review is { } review)
            Check(double.IsFinite(review.Threshold) && review.Threshold is > 0 and <= 1, "verification.review.threshold", $"must be above 0 and at most 1 (got {review.Threshold})");
        Check(m.TimeLimitSeconds > 0, "time_limit_seconds", "must be positive");
        foreach (var (level, file) in m.Hints)
        {
            Check(level is "L0" or "L1" or "L2" or "L3", $"hints.{level}", "hint levels are L0, L1, L2 and L3");
            Check(File.Exists(Path.Combine(m.Directory, file)) || m.RequiresImport, $"hints.{level}", $"file '{file}' does not exist");
        }
        return errors;
    }

    private static TaskLoadError Describe(string display, JsonException ex)
    {
        var path = ex.Path is null or "$" ? "(root)" : ex.Path.TrimStart('$', '.');
        var message = ex.Message;
        var missing = MissingPattern().Match(message);
        if (missing.Success)
        {
            var names = QuotedPattern().Matches(missing.Groups[1].Value).Select(m => m.Groups[1].Value).ToList();
            var prefix = path == "(root)" ? "" : path + ".";
            return new TaskLoadError(display, string.Join(", ", names.Select(n => prefix + n)), "required field is missing");
        }
        var conversion = ConversionPattern().Match(message);
        if (conversion.Success)
            return new TaskLoadError(display, path, $"wrong type: expected {FriendlyType(conversion.Groups[1].Value)}");
        if (ex.LineNumber is not null)
            return new TaskLoadError(display, path, $"invalid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {FirstSentence(message)}");
        return new TaskLoadError(display, path, FirstSentence(message));
    }

    private static string FriendlyType(string clrType) => clrType switch
    {
        _ when clrType.Contains("Double", StringComparison.Ordinal) || clrType.Contains("Single", StringComparison.Ordinal) => "a number",
        _ when clrType.Contains("Int", StringComparison.Ordinal) => "an integer",
        _ when clrType.Contains("String", StringComparison.Ordinal) && clrType.Contains("Dictionary", StringComparison.Ordinal) => "an object of strings",
        _ when clrType.Contains("IReadOnlyList", StringComparison.Ordinal) || clrType.Contains("List", StringComparison.Ordinal) => "an array",
        "System.String" => "a string",
        "System.Boolean" => "true or false",
        _ when clrType == typeof(Review.ReviewAction).FullName => "\"report\" or \"zero\"",
        _ when clrType.StartsWith("AgentGym.", StringComparison.Ordinal) => "an object",
        _ => clrType,
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..(cut + 1)];
    }

    private static string Relative(string root, string file) => Path.GetRelativePath(Path.GetDirectoryName(root) ?? root, file);

    [GeneratedRegex(@"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"missing required properties including: (.*)$")]
    private static partial Regex MissingPattern();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@"could not be converted to ([^.\s]+(?:\.[^.\s]+)*?)\.(?:\s|$)")]
    private static partial Regex ConversionPattern();
}
