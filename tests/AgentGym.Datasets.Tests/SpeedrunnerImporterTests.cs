using System.Globalization;
using System.Text.Json;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;

namespace AgentGym.Datasets.Tests;

public sealed class SpeedrunnerImporterTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public SpeedrunnerImporterTests()
    {
        Clone = _dir.Combine("llm-speedrunner");
        TasksRoot = _dir.Combine("tasks");
        BuildClone(Clone);
        CopyManifests(TasksRoot);
    }

    public void Dispose() => _dir.Dispose();

    private string Clone { get; }
    private string TasksRoot { get; }

    private static string Script(int r) => $"# record {r} train_gpt2.py\nprint('record {r}')\n";
    private static string Hint(int r, string level) => $"hint {level} for record_{r}: the change {r} -> {r + 1}\n";

    private static string ResultsJson(int r) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"metrics": {"n_steps": {{1000 + r}}, "val_loss": 3.27{{r % 10}}, "train_time": {{RecordTimes.Of(r)}}}, "extra": true}""");

    /// <summary>The benchmark's layout: 21 record templates, hints for records 1..20, configs for 1..20.</summary>
    private static void BuildClone(string clone)
    {
        for (var r = 1; r <= 21; r++)
        {
            var template = Path.Combine(clone, "workspace_templates", "nanogpt_speedrun", $"record_{r}");
            Directory.CreateDirectory(template);
            File.WriteAllText(Path.Combine(template, "train_gpt2.py"), Script(r));
            File.WriteAllText(Path.Combine(template, "results.json"), ResultsJson(r));
            if (r == 21) continue;
            var knowledge = Path.Combine(clone, "data", "nanogpt_speedrun_knowledge_in_levels", $"record_{r}");
            Directory.CreateDirectory(knowledge);
            File.WriteAllText(Path.Combine(knowledge, "level_0_diff.txt"), $"diff {r}\n");
            File.WriteAllText(Path.Combine(knowledge, "level_1_pseudo.txt"), Hint(r, "L1"));
            File.WriteAllText(Path.Combine(knowledge, "level_2_description.txt"), Hint(r, "L2"));
            File.WriteAllText(Path.Combine(knowledge, "level_3_paper.txt"), Hint(r, "L3"));
            var configs = Path.Combine(clone, "config", "task", "nanogpt_speedrun");
            Directory.CreateDirectory(configs);
            File.WriteAllText(Path.Combine(configs, $"speedrun_record_{r}.yaml"),
                $"# @package _global_\n\ndefaults:\n- nanogpt_speedrun/default_config\n\ntemplate_dirname: nanogpt_speedrun/record_{r}\n\nslurm_config_args:\n  job_name: nanogpt_speedrun_record_{r}");
        }
    }

    /// <summary>The committed manifests, copied so that the import never writes into the checkout.</summary>
    private static void CopyManifests(string tasksRoot)
    {
        foreach (var r in RecordTimes.TaskRecords)
        {
            var target = Path.Combine(tasksRoot, "nanogpt-speedrun", $"record-{r}");
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(RepoPaths.Tasks, "nanogpt-speedrun", $"record-{r}", "task.json"), Path.Combine(target, "task.json"));
        }
    }

    private string InClone(string relative) => Path.Combine(Clone, relative.Replace('/', Path.DirectorySeparatorChar));
    private string TaskFile(int r, string relative) => Path.Combine(TasksRoot, "nanogpt-speedrun", $"record-{r}", relative.Replace('/', Path.DirectorySeparatorChar));
    private Task<SpeedrunImportResult> Import() => SpeedrunImport.RunAsync(Clone, TasksRoot, CancellationToken.None);

    [Fact]
    public async Task Full_clone_imports_all_19_tasks_with_nothing_missing()
    {
        var result = await Import();

        Assert.True(result.Complete, string.Join("\n", result.MissingFiles.Concat(result.MalformedFiles.Select(m => m.ToString()))));
        Assert.Empty(result.Warnings);
        Assert.Equal(RecordTimes.TaskRecords.Select(r => $"nanogpt-speedrun/record-{r}"), result.ImportedTasks);
        foreach (var r in RecordTimes.TaskRecords)
        {
            Assert.Equal(Script(r), await File.ReadAllTextAsync(TaskFile(r, "start/train_gpt2.py")));
            Assert.Equal(Hint(r, "L1"), await File.ReadAllTextAsync(TaskFile(r, "hints/level_1_pseudo.txt")));
            Assert.Equal(Hint(r, "L2"), await File.ReadAllTextAsync(TaskFile(r, "hints/level_2_description.txt")));
            Assert.Equal(Hint(r, "L3"), await File.ReadAllTextAsync(TaskFile(r, "hints/level_3_paper.txt")));
        }
        Assert.False(Directory.Exists(Path.Combine(TasksRoot, "nanogpt-speedrun", "record-6")));
        Assert.Empty(Directory.GetFiles(TasksRoot, "*.importing", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Hints_for_R_to_R_plus_1_come_from_record_R_as_in_the_benchmark()
    {
        await Import();

        // record_7's hints describe 7 -> 8 and belong to task record-7, not to record-6 or record-8.
        Assert.Equal(Hint(7, "L2"), await File.ReadAllTextAsync(TaskFile(7, "hints/level_2_description.txt")));
        Assert.Equal(Hint(20, "L1"), await File.ReadAllTextAsync(TaskFile(20, "hints/level_1_pseudo.txt")));
        Assert.Equal(Hint(1, "L3"), await File.ReadAllTextAsync(TaskFile(1, "hints/level_3_paper.txt")));
    }

    [Fact]
    public async Task Start_metrics_hold_the_starting_records_results_in_ms()
    {
        await Import();

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(TaskFile(12, "start/start-metrics.json")));
        var root = doc.RootElement;
        Assert.Equal(12, root.GetProperty("record").GetInt32());
        Assert.Equal(1012, root.GetProperty("n_steps").GetInt64());
        Assert.Equal(3.272, root.GetProperty("val_loss").GetDouble());
        Assert.Equal(317839, root.GetProperty("train_time_ms").GetDouble());
        Assert.Equal("workspace_templates/nanogpt_speedrun/record_12/results.json", root.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Imported_tasks_work_in_the_catalogue_starting_files_and_hints()
    {
        await Import();
        // Through the environment's public API, as an episode would start on the imported task.
        await using var environment = GymEnvironment.Create(new GymOptions { Tasks = TaskCatalog.Load(TasksRoot), EpisodesDirectory = _dir.Combine("episodes") });
        var reset = await environment.ResetAsync(new ResetOptions { TaskId = "nanogpt-speedrun/record-3", Hints = HintRegime.L1 | HintRegime.L2 | HintRegime.L3 });
        var workspace = environment.Episode!.WorkspaceDirectory;
        var prompt = reset.Observation.Text;

        Assert.Equal(["train_gpt2.py"], Directory.GetFiles(workspace).Select(Path.GetFileName));
        Assert.Equal(Script(3), await File.ReadAllTextAsync(Path.Combine(workspace, "train_gpt2.py")));
        Assert.Contains(Hint(3, "L1").Trim(), prompt, StringComparison.Ordinal);
        Assert.Contains(Hint(3, "L3").Trim(), prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("start-metrics", string.Join(",", Directory.GetFiles(workspace)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_clone_imports_what_is_there_and_lists_what_is_missing()
    {
        File.Delete(InClone("workspace_templates/nanogpt_speedrun/record_5/train_gpt2.py"));
        File.Delete(InClone("data/nanogpt_speedrun_knowledge_in_levels/record_7/level_3_paper.txt"));
        File.Delete(InClone("config/task/nanogpt_speedrun/speedrun_record_9.yaml"));
        Directory.Delete(InClone("data/nanogpt_speedrun_knowledge_in_levels/record_20"), recursive: true);

        var result = await Import();

        Assert.False(result.Complete);
        Assert.Equal(
            [
                "workspace_templates/nanogpt_speedrun/record_5/train_gpt2.py",
                "data/nanogpt_speedrun_knowledge_in_levels/record_7/level_3_paper.txt",
                "config/task/nanogpt_speedrun/speedrun_record_9.yaml",
                "data/nanogpt_speedrun_knowledge_in_levels/record_20/level_1_pseudo.txt",
                "data/nanogpt_speedrun_knowledge_in_levels/record_20/level_2_description.txt",
                "data/nanogpt_speedrun_knowledge_in_levels/record_20/level_3_paper.txt",
            ],
            result.MissingFiles);
        Assert.Empty(result.MalformedFiles);
        Assert.DoesNotContain("nanogpt-speedrun/record-5", result.ImportedTasks);
        Assert.Equal(18, result.ImportedTasks.Count);
        Assert.False(File.Exists(TaskFile(5, "start/train_gpt2.py")));
        Assert.True(File.Exists(TaskFile(5, "start/start-metrics.json")));
        Assert.True(File.Exists(TaskFile(5, "hints/level_1_pseudo.txt")));
        Assert.True(File.Exists(TaskFile(7, "hints/level_2_description.txt")));
        Assert.False(File.Exists(TaskFile(7, "hints/level_3_paper.txt")));
        Assert.True(File.Exists(TaskFile(9, "start/train_gpt2.py")));
        Assert.True(File.Exists(TaskFile(20, "start/train_gpt2.py")));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{"metrics": {"n_steps": 10, "val_loss": 3.27}}""", "metrics.train_time is missing")]
    [InlineData("""{"metrics": {"n_steps": 10, "val_loss": 3.27, "train_time": "abc"}}""", "metrics.train_time: expected a number, found a string")]
    [InlineData("""{"metrics": {"n_steps": 10, "val_loss": 3.27, "train_time": -5}}""", "metrics.train_time: expected a positive number")]
    [InlineData("""{"metrics": {"n_steps": 10.5, "val_loss": 3.27, "train_time": 5}}""", "metrics.n_steps: expected a positive whole number")]
    [InlineData("""{"metrics": [1, 2]}""", "metrics: expected an object, found an array")]
    [InlineData("""{"n_steps": 10}""", "has no 'metrics' object")]
    [InlineData("[]", "has no 'metrics' object")]
    public async Task Malformed_results_json_is_reported_by_file_and_field_and_the_script_still_imports(string content, string reason)
    {
        const string results = "workspace_templates/nanogpt_speedrun/record_3/results.json";
        File.WriteAllText(InClone(results), content);

        var result = await Import();

        var problem = Assert.Single(result.MalformedFiles);
        Assert.Equal(results, problem.File);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.Contains(results, problem.ToString(), StringComparison.Ordinal);
        Assert.Contains("nanogpt-speedrun/record-3", result.ImportedTasks);
        Assert.False(File.Exists(TaskFile(3, "start/start-metrics.json")));
    }

    [Fact]
    public async Task Numbers_written_as_strings_and_a_byte_order_mark_are_accepted()
    {
        File.WriteAllText(InClone("workspace_templates/nanogpt_speedrun/record_4/results.json"),
            "\uFEFF{\"metrics\": {\"n_steps\": \"3000\", \"val_loss\": \"3.2791\", \"train_time\": \"1301740\"}}");

        var result = await Import();

        Assert.True(result.Complete, string.Join("\n", result.MalformedFiles));
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(TaskFile(4, "start/start-metrics.json")));
        Assert.Equal(1301740, doc.RootElement.GetProperty("train_time_ms").GetDouble());
    }

    [Fact]
    public async Task Empty_files_and_a_config_for_the_wrong_record_are_malformed()
    {
        File.WriteAllText(InClone("workspace_templates/nanogpt_speedrun/record_2/train_gpt2.py"), "  \n");
        File.WriteAllText(InClone("data/nanogpt_speedrun_knowledge_in_levels/record_8/level_1_pseudo.txt"), "");
        File.WriteAllText(InClone("config/task/nanogpt_speedrun/speedrun_record_1.yaml"), "template_dirname: nanogpt_speedrun/record_10\n");

        var result = await Import();

        Assert.Equal(
            [
                "config/task/nanogpt_speedrun/speedrun_record_1.yaml: has no 'template_dirname: nanogpt_speedrun/record_1' line",
                "workspace_templates/nanogpt_speedrun/record_2/train_gpt2.py: is empty",
                "data/nanogpt_speedrun_knowledge_in_levels/record_8/level_1_pseudo.txt: is empty",
            ],
            result.MalformedFiles.Select(m => m.ToString()));
        Assert.DoesNotContain("nanogpt-speedrun/record-2", result.ImportedTasks);
        Assert.False(File.Exists(TaskFile(8, "hints/level_1_pseudo.txt")));
    }

    [Fact]
    public async Task A_train_time_that_disagrees_with_the_manifest_is_a_warning()
    {
        File.WriteAllText(InClone("workspace_templates/nanogpt_speedrun/record_10/results.json"),
            """{"metrics": {"n_steps": 3000, "val_loss": 3.279, "train_time": 480000}}""");

        var result = await Import();

        var warning = Assert.Single(result.Warnings);
        Assert.Contains("record_10/results.json", warning, StringComparison.Ordinal);
        Assert.Contains("477150", warning, StringComparison.Ordinal);
        Assert.True(result.Complete);
    }

    [Fact]
    public async Task Reimport_replaces_files_whole()
    {
        await Import();
        File.WriteAllText(InClone("workspace_templates/nanogpt_speedrun/record_11/train_gpt2.py"), "print('new')\n");

        await Import();

        Assert.Equal("print('new')\n", await File.ReadAllTextAsync(TaskFile(11, "start/train_gpt2.py")));
    }

    [Fact]
    public async Task A_folder_that_is_not_the_benchmark_is_refused_with_its_path()
    {
        var empty = _dir.Combine("empty");
        Directory.CreateDirectory(empty);

        var notClone = await Assert.ThrowsAsync<ArgumentException>(() => SpeedrunImport.RunAsync(empty, TasksRoot, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => SpeedrunImport.RunAsync(_dir.Combine("nope"), TasksRoot, CancellationToken.None));

        Assert.Contains(empty, notClone.Message, StringComparison.Ordinal);
        Assert.Contains("llm-speedrunner", notClone.Message, StringComparison.Ordinal);
        Assert.Contains("no such folder", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_during_the_import_stops_it_between_records_and_leaves_whole_files()
    {
        using var cts = new CancellationTokenSource();
        var done = new List<int>();
        var progress = new InlineProgress(record =>
        {
            done.Add(record);
            if (record == 1) cts.Cancel(); // the import is under way: record 1 is in place, 18 are to come
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SpeedrunImport.RunAsync(Clone, TasksRoot, cts.Token, progress));

        Assert.Equal([1], done);
        Assert.Equal(Script(1), await File.ReadAllTextAsync(TaskFile(1, "start/train_gpt2.py")));
        Assert.False(File.Exists(TaskFile(2, "start/train_gpt2.py")));
        Assert.Empty(Directory.EnumerateFiles(TasksRoot, "*.importing", SearchOption.AllDirectories));
    }

    /// <summary>Reports on the importer's own thread, so that a cancellation from it lands before the next record.</summary>
    private sealed class InlineProgress(Action<int> onReport) : IProgress<int>
    {
        public void Report(int value) => onReport(value);
    }
}
