using System.Globalization;
using AgentGym.Agents.Scripted;
using AgentGym.Core.Tasks;

namespace AgentGym.Agents.Tests;

/// <summary>The task catalogue shipped in tasks/: what the oracle and the quick tests rely on.</summary>
public sealed class RepositoryTaskTests
{
    private static readonly TaskCatalog Catalog = TaskCatalog.Load(RepoPaths.Tasks);

    public static TheoryData<int> TinyRecords() => new(1, 2, 3, 4, 5);

    // The 19 nanogpt-speedrun tasks are checked one by one in Core's SpeedrunCatalogTests.
    [Fact]
    public void The_whole_catalogue_loads_without_errors() => Assert.Empty(Catalog.Errors);

    [Theory]
    [MemberData(nameof(TinyRecords))]
    public void The_level_zero_diff_of_a_tiny_task_turns_its_record_into_the_next_one(int k)
    {
        var task = Catalog.Get($"tiny-shakespeare/record-{k}");
        var start = File.ReadAllText(Path.Combine(task.Directory, task.StartingFiles.Single()));
        var patch = Assert.Single(UnifiedPatch.Parse(File.ReadAllText(Path.Combine(task.Directory, task.Hints["L0"]))));
        var next = File.ReadAllText(Path.Combine(RepoPaths.Tasks, "tiny-shakespeare", "records", $"record_{k + 1}", "train_gpt.py"));
        Assert.Equal(next, UnifiedPatch.Apply(patch, start));
    }

    [Theory]
    [MemberData(nameof(TinyRecords))]
    public void Every_tiny_task_has_a_quick_variant_on_the_same_script_with_a_looser_target_and_fixed_steps(int k)
    {
        var full = Catalog.Get($"tiny-shakespeare/record-{k}");
        var quick = Catalog.Get($"tiny-shakespeare/record-{k}-quick");
        Assert.Equal(full.StartingFiles, quick.StartingFiles);
        Assert.Equal(full.Hints, quick.Hints);
        Assert.True(quick.TargetValLoss > full.TargetValLoss, $"quick target {quick.TargetValLoss} is not looser than {full.TargetValLoss}");
        Assert.True(quick.RecordTime.MeanMs < quick.BaselineTime.MeanMs, "the next record must be faster at the quick target too, or FSR is undefined");
        Assert.Equal(quick.TargetValLoss, double.Parse(quick.Environment["AGENTGYM_TARGET_VAL_LOSS"], CultureInfo.InvariantCulture));
        // The records fix their steps per target (the speedrun's rule); no task overrides them.
        Assert.False(quick.Environment.ContainsKey("AGENTGYM_MAX_STEPS"));
        Assert.False(full.Environment.ContainsKey("AGENTGYM_MAX_STEPS"));
        var steps = StepsFor(k, quick.TargetValLoss);
        var nextSteps = StepsFor(k + 1, quick.TargetValLoss);
        Assert.InRange(steps, 40, 400);
        Assert.True(nextSteps < steps, $"record {k + 1} trains {nextSteps} steps for {quick.TargetValLoss}, record {k} {steps}");
        Assert.True(quick.TimeLimitSeconds >= steps, "a loaded host needs up to about a second a step");
        Assert.Contains("quick", quick.Tags);
        Assert.DoesNotContain("quick", full.Tags);
    }

    /// <summary>The steps record r fixes for a target: its steps_for_target table.</summary>
    private static int StepsFor(int record, double target)
    {
        var script = File.ReadAllLines(Path.Combine(RepoPaths.Tasks, "tiny-shakespeare", "records", $"record_{record}", "train_gpt.py"));
        var table = script.Single(l => l.TrimStart().StartsWith("steps_for_target = ", StringComparison.Ordinal)).Split('{', '}')[1];
        foreach (var entry in table.Split(','))
        {
            var parts = entry.Split(':');
            if (double.Parse(parts[0], CultureInfo.InvariantCulture) == target) return int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        throw new Xunit.Sdk.XunitException($"record {record} fixes no step count for {target}");
    }
}
