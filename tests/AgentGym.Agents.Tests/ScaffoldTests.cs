using System.Text.Json.Nodes;
using AgentGym.Agents.Scaffolds;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;

namespace AgentGym.Agents.Tests;

/// <summary>Search scaffolds with a scripted model (over HTTP) and the script-reading fake sandbox.</summary>
public sealed class ScaffoldTests
{
    private static ResetOptions Reset => new() { TaskId = AgentTestWorld.TaskId, Seed = 3 };

    private static string Replace(string search, string replace, string plan = "Plan: change one line.") =>
        $"{plan}\n\n<<<<<<< SEARCH train_gpt.py\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n";

    private static JsonObject Tree(EpisodeInfo episode) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(episode.Directory, "scaffold.json")))!.AsObject();

    private static List<JsonObject> Nodes(JsonObject tree) => tree["nodes"]!.AsArray().Select(n => n!.AsObject()).ToList();

    [Fact]
    public async Task Forest_drafts_three_roots_then_branches_three_from_the_best_and_submits_the_fastest_valid_node()
    {
        await using var world = new AgentTestWorld();
        world.Server.Text(Replace("# time_ms: 1000", "# time_ms: 900"));                 // node 1
        world.Server.Text(Replace("    pass", "    raise RuntimeError('x')"));           // node 2: buggy
        world.Server.Text(Replace("# time_ms: 1000", "# time_ms: 700"));                 // node 3: best root
        world.Server.Text(Replace("# time_ms: 700", "# time_ms: 600"));                  // node 4: child of 3
        world.Server.Text(Replace("# time_ms: 9999", "# time_ms: 1"));                   // node 5, attempt 1: does not apply
        world.Server.Text(Replace("# time_ms: 700", "# time_ms: 650"));                  // node 5, attempt 2
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new ScaffoldOptions { MaxNodes = 5 } };

        var outcome = await world.Agent("forest", settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(TestScorer.Reward, outcome.TotalReward);
        var tree = Tree(outcome.Episode);
        var nodes = Nodes(tree);
        Assert.Equal(6, nodes.Count); // the starting code plus five executed nodes
        Assert.Equal(5, tree["executed_nodes"]!.GetValue<int>());
        Assert.Equal([null, 0, 0, 0, 3, 3], nodes.Select(n => n["parent"]?.GetValue<int>()));
        Assert.Equal(["root", "draft", "draft", "draft", "improve", "improve"], nodes.Select(n => n["stage"]!.GetValue<string>()));
        Assert.Equal([false, false, true, false, false, false], nodes.Select(n => n["buggy"]!.GetValue<bool>()));
        Assert.Equal([null, 900.0, 10.0, 700.0, 600.0, 650.0], nodes.Select(n => n["train_time_ms"]?.GetValue<double>()));
        Assert.Equal(2, nodes[5]["edit_attempts"]!.GetValue<int>());
        Assert.Equal(4, tree["best_node"]!.GetValue<int>());
        Assert.Equal(4, tree["submitted_node"]!.GetValue<int>());
        Assert.Equal("run-4", tree["submitted_run"]!.GetValue<string>());

        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Equal("run-4", submission.RunId);
        Assert.Contains("# time_ms: 600", submission.Code, StringComparison.Ordinal);
        // Each node ran its own code: node 2 started from the root again, not from node 1's edit.
        Assert.Equal(5, world.Sandbox.Scripts.Count);
        Assert.Contains("# time_ms: 1000", world.Sandbox.Scripts[1], StringComparison.Ordinal);
        Assert.Contains("# time_ms: 650", world.Sandbox.Scripts[4], StringComparison.Ordinal); // from node 3's 700, not node 4's 600
        Assert.DoesNotContain("raise", world.Sandbox.Scripts[2], StringComparison.Ordinal);

        // The retry showed the model its error; improvements were told how their parent ran.
        var retryPrompt = world.Server.Requests[5].Body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
        Assert.Contains("Block 1 (train_gpt.py) failed", retryPrompt, StringComparison.Ordinal);
        var improvePrompt = world.Server.Requests[3].Body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
        Assert.Contains("train_time 700 ms", improvePrompt, StringComparison.Ordinal);
        Assert.Null(world.Server.Requests[0].Body["tools"]);

        // Everything went through the environment's tools, each step naming its node.
        var steps = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(5, steps.Count(s => s.ToolCall!.Name == "run_training"));
        Assert.Equal("submit", steps[^1].ToolCall!.Name);
        Assert.Contains(steps, s => s.ToolCall!.Name == "write_file" && s.Info!["agent"]!["phase"]!.GetValue<string>() == "restore");
        Assert.All(steps.SkipLast(1), s => Assert.NotNull(s.Info!["agent"]!["node"]));
        var usageCalls = steps.Sum(s => s.Info!["agent"]!["usage"]?["model_calls"]?.GetValue<int>() ?? 0);
        Assert.Equal(6, usageCalls);
    }

    [Fact]
    public async Task Aide_debugs_a_buggy_leaf_with_its_log_tail_up_to_the_debug_depth_then_improves_the_best()
    {
        await using var world = new AgentTestWorld();
        world.Server.Text(Replace("    pass", "    raise RuntimeError('x')"));                   // node 1: buggy draft
        world.Server.Text(Replace("    raise RuntimeError('x')", "    raise RuntimeError('y')"));  // node 2: debug, still buggy
        world.Server.Text(Replace("    raise RuntimeError('y')", "    pass"));                     // node 3: debug, fixed
        world.Server.Text(Replace("# time_ms: 1000", "# time_ms: 800"));                         // node 4: improve node 3
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with
        {
            Scaffold = new ScaffoldOptions
            {
                MaxNodes = 4,
                Parameters = ScaffoldParameters.For(ScaffoldKind.Aide) with { Roots = 1, DebugProbability = 1.0, MaxDebugDepth = 2 },
            },
        };

        var outcome = await world.Agent("aide", settings).RunAsync(env, Reset);

        var nodes = Nodes(Tree(outcome.Episode));
        Assert.Equal([null, 0, 1, 2, 3], nodes.Select(n => n["parent"]?.GetValue<int>()));
        Assert.Equal(["root", "draft", "debug", "debug", "improve"], nodes.Select(n => n["stage"]!.GetValue<string>()));
        Assert.Equal([0, 0, 1, 2, 0], nodes.Select(n => n["debug_depth"]!.GetValue<int>()));
        Assert.Equal("run-4", Assert.Single(world.Scorer.Submissions).RunId);
        var debugPrompt = world.Server.Requests[1].Body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
        Assert.Contains("RuntimeError: boom in the fake run", debugPrompt, StringComparison.Ordinal);
        var steps = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(2, steps.Count(s => s.ToolCall!.Name == "inspect_logs"));
    }

    [Fact]
    public async Task Flat_makes_independent_edits_of_the_root_and_submits_the_starting_code_when_nothing_is_valid()
    {
        await using var world = new AgentTestWorld();
        world.Server.Text(Replace("# val_loss: 1.90", "# val_loss: 2.50"));   // misses the target
        world.Server.Text("I would rather not edit anything.");             // no blocks, three times
        world.Server.Text("Still nothing.");
        world.Server.Text("Nothing.");
        world.Server.Text(Replace("    pass", "    raise RuntimeError('x')"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new ScaffoldOptions { MaxNodes = 2 } };

        var outcome = await world.Agent("flat", settings).RunAsync(env, Reset);

        var tree = Tree(outcome.Episode);
        var nodes = Nodes(tree);
        Assert.Equal([null, 0, 0, 0], nodes.Select(n => n["parent"]?.GetValue<int>()));
        Assert.Equal([false, true, false, true], nodes.Select(n => n["executed"]!.GetValue<bool>()));
        Assert.True(nodes[2]["edit_failed"]!.GetValue<bool>());
        Assert.Equal(3, nodes[2]["edit_attempts"]!.GetValue<int>());
        Assert.Null(tree["best_node"]);
        Assert.Equal(0, tree["submitted_node"]!.GetValue<int>());
        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Null(submission.RunId);
        Assert.Equal(AgentTestWorld.Script + "\n", submission.Code);
    }

    [Fact]
    public async Task Tree_grows_one_root_then_three_children_of_the_best()
    {
        await using var world = new AgentTestWorld();
        world.Server.Text(Replace("# time_ms: 1000", "# time_ms: 800"));
        world.Server.Text(Replace("# time_ms: 800", "# time_ms: 700"));
        world.Server.Text(Replace("# time_ms: 800", "# time_ms: 750"));
        world.Server.Text(Replace("# time_ms: 800", "# time_ms: 720"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new ScaffoldOptions { MaxNodes = 4 } };

        var outcome = await world.Agent("tree", settings).RunAsync(env, Reset);

        var tree = Tree(outcome.Episode);
        Assert.Equal([null, 0, 1, 1, 1], Nodes(tree).Select(n => n["parent"]?.GetValue<int>()));
        Assert.Equal(2, tree["submitted_node"]!.GetValue<int>());
        Assert.Equal("run-2", Assert.Single(world.Scorer.Submissions).RunId);
    }

    [Fact]
    public async Task A_known_step_budget_keeps_steps_back_to_submit_instead_of_being_truncated()
    {
        await using var world = new AgentTestWorld();
        for (var i = 0; i < 5; i++) world.Server.Text(Replace("# time_ms: 1000", $"# time_ms: {900 - i}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new ScaffoldOptions { ReserveSteps = 12 } };

        var outcome = await world.Agent("flat", settings).RunAsync(env, Reset with { Budgets = new EpisodeBudgets { MaxSteps = 20 } });

        Assert.True(outcome.Terminated);
        Assert.False(outcome.Truncated);
        Assert.True(outcome.Steps <= 20);
        Assert.Equal(2, Tree(outcome.Episode)["executed_nodes"]!.GetValue<int>());
        Assert.Equal("run-2", Assert.Single(world.Scorer.Submissions).RunId); // 899 ms beats 900 ms
    }
}
