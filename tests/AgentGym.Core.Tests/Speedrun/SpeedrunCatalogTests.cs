using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Speedrun;

public sealed class SpeedrunCatalogTests
{
    private static List<TaskManifest> SpeedrunTasks(TaskCatalog catalog) =>
        [.. catalog.Tasks.Where(t => t.Family == "nanogpt-speedrun")];

    [Fact]
    public void Catalogue_loads_exactly_the_19_benchmark_tasks_without_errors()
    {
        var catalog = TaskCatalog.Load(RepoPaths.Tasks);

        var errors = catalog.Errors.Where(e => e.File.Contains("nanogpt-speedrun", StringComparison.Ordinal)).Select(e => e.ToString()).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var ids = SpeedrunTasks(catalog).Select(t => t.Id).Order(StringComparer.Ordinal).ToList();
        var expected = RecordTimes.TaskRecords.Select(r => $"nanogpt-speedrun/record-{r}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, ids);
        Assert.DoesNotContain("nanogpt-speedrun/record-6", ids);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Task_R_times_are_the_retimed_records_R_and_R_plus_1(int r)
    {
        var task = TaskCatalog.Load(RepoPaths.Tasks).Get($"nanogpt-speedrun/record-{r}");

        Assert.Equal(RecordTimes.Of(r), task.BaselineTime.MeanMs);
        Assert.Equal(RecordTimes.Of(r + 1), task.RecordTime.MeanMs);
        Assert.Contains($"record {r} -> {r + 1}", task.Title, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Task_R_follows_the_speedrun_rules_and_sandbox_contract(int r)
    {
        var task = TaskCatalog.Load(RepoPaths.Tasks).Get($"nanogpt-speedrun/record-{r}");

        Assert.Equal(["start/train_gpt2.py"], task.StartingFiles);
        Assert.Equal(["torchrun", "--standalone", "--nproc_per_node=8", "train_gpt2.py"], task.EntryCommand);
        Assert.Equal("agentgym-cuda", task.Sandbox.Image);
        Assert.Equal(8, task.Resources.Gpus);
        Assert.Equal(16384, task.Resources.ShmMb);
        Assert.Equal("fineweb10B", task.Data.Dataset);
        Assert.Equal("fineweb_train_*.bin", task.Data.TrainFiles);
        Assert.Equal("fineweb_val_*.bin", task.Data.ValFiles);
        Assert.Equal(10485760, task.Data.ValTokens);
        Assert.Equal(3.28, task.TargetValLoss);
        Assert.Equal(VerificationModes.Log, task.Verification.Mode);
        Assert.Equal(0.01, task.Verification.PValue);
        Assert.Equal(3, task.Verification.Pairs); // a p < 0.01 t-test needs several runs
        Assert.True(task.TimeLimitSeconds >= 3 * RecordTimes.Of(r) / 1000, "the time limit must leave room for a slow first attempt");
        Assert.Equal(["gpu", "import-required"], task.Tags);
        Assert.Equal(
            new Dictionary<string, string> { ["L1"] = "hints/level_1_pseudo.txt", ["L2"] = "hints/level_2_description.txt", ["L3"] = "hints/level_3_paper.txt" },
            task.Hints);
    }

    [Fact]
    public void Description_names_only_the_starting_record_not_the_next_change()
    {
        // The description is shown in every hint regime, including none: it must not give R+1 away.
        var catalog = TaskCatalog.Load(RepoPaths.Tasks);
        var r12 = catalog.Get("nanogpt-speedrun/record-12").Description;
        Assert.Contains("FlexAttention", r12, StringComparison.Ordinal);
        Assert.DoesNotContain("window warmup", r12, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Imported_files_are_gitignored_and_manifests_are_not()
    {
        // The scripts and hints are CC BY-NC: an import must never show up as changes to commit.
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".gitignore")).Select(l => l.Trim()).ToList();
        Assert.Contains("/tasks/nanogpt-speedrun/*/start/", lines);
        Assert.Contains("/tasks/nanogpt-speedrun/*/hints/", lines);
        Assert.DoesNotContain(lines, l => l.Contains("task.json", StringComparison.Ordinal));
    }

    public static TheoryData<int> Records()
    {
        var data = new TheoryData<int>();
        foreach (var r in RecordTimes.TaskRecords) data.Add(r);
        return data;
    }
}
