using AgentGym.Agents.Scripted;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;

namespace AgentGym.Agents.Tests;

public sealed class ScriptedAgentTests
{
    private static ResetOptions Reset => new() { TaskId = AgentTestWorld.TaskId };

    [Fact]
    public async Task Oracle_applies_the_level_zero_diff_with_write_file_runs_it_and_submits_the_run()
    {
        await using var world = new AgentTestWorld();
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("oracle").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var steps = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(["write_file", "run_training", "run_status", "get_metrics", "submit"], steps.Select(s => s.ToolCall!.Name));
        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Equal("run-1", submission.RunId);
        Assert.Equal(AgentTestWorld.Script.Replace("# time_ms: 1000", "# time_ms: 500", StringComparison.Ordinal) + "\n", submission.Code);
        Assert.Empty(world.Server.Requests);
    }

    [Fact]
    public async Task Noop_runs_and_submits_the_starting_script()
    {
        await using var world = new AgentTestWorld();
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("noop").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(4, outcome.Steps);
        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Equal("run-1", submission.RunId);
        Assert.Equal(AgentTestWorld.Script + "\n", submission.Code);
    }

    [Fact]
    public void A_patch_hunk_is_found_when_its_line_numbers_are_off_and_a_mismatch_names_the_hunk()
    {
        var patch = UnifiedPatch.Parse("""
            --- a/x.py
            +++ b/x.py
            @@ -10,2 +10,3 @@
             b = 2
            +c = 3
             d = 4
            """).Single();
        Assert.Equal("a = 1\nb = 2\nc = 3\nd = 4\n", UnifiedPatch.Apply(patch, "a = 1\nb = 2\nd = 4\n"));
        var error = Assert.Throws<InvalidDataException>(() => UnifiedPatch.Apply(patch, "a = 1\nb = 5\nd = 4\n"));
        Assert.Contains("x.py: hunk '@@ -10,2 +10,3 @@' does not apply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_file_patch_creates_the_file()
    {
        var patch = UnifiedPatch.Parse("--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n").Single();
        Assert.True(patch.IsNewFile);
        Assert.Equal("x = 1\ny = 2\n", UnifiedPatch.Apply(patch, null));
    }
}
