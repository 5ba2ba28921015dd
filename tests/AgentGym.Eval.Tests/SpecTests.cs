using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Tests;

public sealed class SpecTests
{
    private const string Valid = """
        {
          "name": "smoke",
          "tasks": ["test/quick"],
          "hints": ["none", "L1+L2"],
          "agents": [ { "kind": "oracle" }, { "label": "baseline", "kind": "noop", "settings": { "run_wait_seconds": 30 } } ],
          "seeds": 2,
          "budgets": { "max_steps": 40, "wall_clock_seconds": 600 },
          "concurrency": { "max_cells": 2, "cpus": 2, "gpus": ["0", "1"] },
          "scoring": { "pairs": 1 }
        }
        """;

    [Fact]
    public void A_valid_spec_expands_to_every_cell_seed_major()
    {
        var spec = ExperimentSpecs.Parse(Valid, Path.GetTempPath());
        Assert.Equal("smoke", spec.Name);
        Assert.Equal([HintRegime.None, HintRegime.L1 | HintRegime.L2], spec.Hints);
        Assert.Equal(["oracle", "baseline"], spec.Agents.Select(a => a.Label));
        Assert.Equal(30, spec.Agents[1].Settings.RunWaitSeconds);
        Assert.Equal(40, spec.Budgets.MaxSteps);
        Assert.Equal(TimeSpan.FromMinutes(10), spec.Budgets.WallClock);
        Assert.Equal(["0", "1"], spec.Concurrency.GpuIds);
        Assert.Equal(1, spec.Scoring.Pairs);
        var cells = spec.Cells();
        Assert.Equal(8, cells.Count);
        Assert.All(cells.Take(4), c => Assert.Equal(1, c.Seed));
        Assert.Equal(8, cells.Select(c => c.Key).Distinct().Count());
        Assert.Equal("test/quick|L1+L2|baseline|2", cells[^1].Key);
    }

    [Fact]
    public void Scaffolds_times_models_become_labelled_agents_without_the_key()
    {
        var spec = ExperimentSpecs.Parse("""
            { "tasks": ["t"], "scaffolds": ["aide", "tree"],
              "models": [ { "label": "m1", "model": { "provider": "openai-compatible", "endpoint": "http://localhost:1/v1", "model": "m1", "api_key": "sk-secret" },
                            "price": { "input_per_million": 2, "output_per_million": 8 } } ] }
            """, Path.GetTempPath());
        Assert.Equal(["aide/m1", "tree/m1"], spec.Agents.Select(a => a.Label));
        Assert.Equal("aide", spec.Agents[0].Kind);
        Assert.Equal("m1", spec.Agents[0].Settings.Model.Model);
        Assert.DoesNotContain("sk-secret", spec.Agents[0].SettingsJson, StringComparison.Ordinal);
        Assert.Equal(2 + 8, spec.Agents[0].Price!.Cost(1_000_000, 0, 1_000_000), 6);
    }

    [Theory]
    [InlineData("""{ "hints": ["none"], "agents": [ { "kind": "noop" } ] }""", "tasks")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "aider" } ] }""", "agents[0].kind")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "label": "x" } ] }""", "agents[0].kind")]
    [InlineData("""{ "tasks": ["t"], "hints": ["L4"], "agents": [ { "kind": "noop" } ] }""", "hints[0]")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "seeds": [1, "two"] }""", "seeds[1]")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "seeds": 0 }""", "seeds")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "budgets": { "max_steps": -3 } }""", "budgets.max_steps")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "budgets": { "steps": 3 } }""", "budgets.steps")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "concurency": {} }""", "concurency")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" }, { "kind": "noop" } ] }""", "agents")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "concurrency": { "gpus": ["0", "0"] } }""", "concurrency.gpus[1]")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "concurrency": { "max_cells": 0 } }""", "concurrency.max_cells")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "scoring": { "pairs": 1.5 } }""", "scoring.pairs")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop", "price": { "input_per_million": 1 } } ] }""", "agents[0].price.output_per_million")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": "soon" } } ] }""", "agents[0].settings.run_wait_seconds")]
    [InlineData("""{ "tasks": ["t"], "scaffolds": ["aide"] }""", "models")]
    [InlineData("""{ "tasks": [], "agents": [ { "kind": "noop" } ] }""", "tasks")]
    [InlineData("""{ "tasks": ["t"], "agents": { "kind": "noop" } }""", "agents")]
    [InlineData("""[1, 2]""", "(root)")]
    [InlineData("""{ "tasks": ["t"], """, "(root)")]
    public void A_malformed_spec_is_refused_naming_the_field(string json, string field)
    {
        var ex = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Parse(json, Path.GetTempPath()));
        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ":", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_against_the_tasks_names_the_unknown_task_and_missing_gpus()
    {
        using var world = new QuickTask();
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        var unknown = ExperimentSpecs.Parse("""{ "tasks": ["test/quick", "test/nope"], "agents": [ { "kind": "noop" } ] }""", world.Root);
        Assert.Equal("tasks[1]", Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Validate(unknown, catalog)).Field);

        var gpuTask = QuickTask.Manifest();
        gpuTask["id"] = "test/gpu";
        gpuTask["resources"] = new JsonObject { ["cpus"] = 1, ["gpus"] = 2 };
        var gpuDir = Path.Combine(world.TasksDirectory, "test", "gpu");
        Directory.CreateDirectory(Path.Combine(gpuDir, "start"));
        Directory.CreateDirectory(Path.Combine(gpuDir, "hints"));
        File.WriteAllText(Path.Combine(gpuDir, "start", "train.py"), QuickTask.Script);
        foreach (var hint in Directory.GetFiles(Path.Combine(world.TasksDirectory, "test", "quick", "hints")))
            File.Copy(hint, Path.Combine(gpuDir, "hints", Path.GetFileName(hint)));
        File.WriteAllText(Path.Combine(gpuDir, "task.json"), gpuTask.ToJsonString());
        catalog = TaskCatalog.Load(world.TasksDirectory);
        Assert.Empty(catalog.Errors);
        var noGpus = ExperimentSpecs.Parse("""{ "tasks": ["test/gpu"], "agents": [ { "kind": "noop" } ], "concurrency": { "gpus": 1 } }""", world.Root);
        var ex = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Validate(noGpus, catalog));
        Assert.Equal("concurrency.gpus", ex.Field);
        Assert.Contains("needs 2 GPUs", ex.Message, StringComparison.Ordinal);

        // The oracle needs an L0 diff: the GPU task copy keeps it, so this passes; a task without one is refused.
        var ok = ExperimentSpecs.Parse("""{ "tasks": ["test/gpu"], "agents": [ { "kind": "oracle" } ], "concurrency": { "gpus": 2 } }""", world.Root);
        ExperimentSpecs.Validate(ok, catalog);
    }

    [Fact]
    public async Task The_cli_refuses_a_malformed_spec_naming_the_field_and_exits_1()
    {
        using var world = new QuickTask();
        var spec = world.WriteSpec("bad.json", """{ "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 0 } } ] }""");
        var (code, _, stderr) = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "eval", spec, "--tasks-dir", world.TasksDirectory, "--sandbox", "none");
        Assert.Equal(1, code);
        Assert.Contains("agents[0].settings.run_wait_seconds: must be positive", stderr, StringComparison.Ordinal);

        spec = world.WriteSpec("unknown-task.json", """{ "tasks": ["test/missing"], "agents": [ { "kind": "noop" } ] }""");
        (code, _, stderr) = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "eval", spec, "--tasks-dir", world.TasksDirectory, "--sandbox", "none");
        Assert.Equal(1, code);
        Assert.Contains("tasks[0]: No task 'test/missing'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.ChangeExtension(spec, ".sqlite")), "a refused spec must not create a results file");
    }
}

public sealed class ExampleSpecTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "experiments"), "*.json").Order(StringComparer.Ordinal)) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_example_specs_parse_and_name_tasks_of_the_repository(string path)
    {
        var spec = ExperimentSpecs.Load(path);
        Assert.NotEmpty(spec.Cells());
        var repo = Path.GetDirectoryName(Path.GetDirectoryName(path)!)!;
        // Agents are not built here: the LLM examples need a key or a server.
        ExperimentSpecs.Validate(spec, AgentGym.Core.Tasks.TaskCatalog.Load(Path.Combine(repo, "tasks")), buildAgents: false);
    }
}

/// <summary>Issue 13 item 6: specs and their inline settings refuse unknown and duplicate keys with the nearest name.</summary>
public sealed class StrictSpecTests
{
    [Theory]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "sk", "settings": { "chat": { "max_turn": 2 } } } ] }""", "agents[0].settings.chat.max_turn", "did you mean 'max_turns'?")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "sk", "settings": { "max_turns": 2 } } ] }""", "agents[0].settings.max_turns", "unknown key")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop", "setings": {} } ] }""", "agents[0].setings", "did you mean 'settings'?")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "budgets": { "max_step": 2 } }""", "budgets.max_step", "did you mean 'max_steps'?")]
    [InlineData("""{ "tasks": ["t"], "agent": [ { "kind": "noop" } ] }""", "agent", "did you mean 'agents'?")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "seeds": 1, "seeds": 3 }""", "seeds", "duplicate key")]
    [InlineData("""{ "tasks": ["t"], "agents": [ { "kind": "sk", "settings": { "model": { "max_retries": -1 } } } ] }""", "agents[0].settings.model.max_retries", "must be from 0")]
    [InlineData("""{ "tasks": ["t"], "scaffolds": ["aide"], "models": [ { "label": "a", "model": { "model": "m" }, "prise": {} } ] }""", "models[0].prise", "did you mean 'price'?")]
    public void A_typo_in_a_spec_names_the_key_and_the_nearest_name(string json, string field, string reason)
    {
        var ex = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Parse(json, Path.GetTempPath()));
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_config_file_with_a_typo_names_the_file_the_key_and_the_nearest_name()
    {
        var dir = Path.Combine(Path.GetTempPath(), "agentgym-strict-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var config = Path.Combine(dir, "agent.json");
            File.WriteAllText(config, """{ "chat": { "max_turn": 2 } }""");
            var ex = Assert.Throws<AgentGym.Core.Json.ConfigException>(() => AgentGym.Agents.AgentSettings.Load(config));
            Assert.Equal(config, ex.File);
            Assert.Equal("chat.max_turn", ex.Field);
            Assert.Contains("did you mean 'max_turns'?", ex.Reason);

            File.WriteAllText(config, """{ "model": { "max_retries": 0 } }""");
            Assert.Equal(0, AgentGym.Agents.AgentSettings.Load(config).Model.MaxRetries);

            File.WriteAllText(config, """{ "model": { "request_timeout_seconds": 0 } }""");
            var zero = Assert.Throws<AgentGym.Core.Json.ConfigException>(() => AgentGym.Agents.AgentSettings.Load(config));
            Assert.Equal("model.request_timeout_seconds", zero.Field);

            var spec = Path.Combine(dir, "spec.json");
            File.WriteAllText(config, """{ "chat": { "max_turns": 2 }, "chat": { "max_turns": 3 } }""");
            File.WriteAllText(spec, """{ "tasks": ["t"], "agents": [ { "kind": "noop", "config": "agent.json" } ] }""");
            var fromSpec = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Load(spec));
            Assert.Equal("agents[0].config", fromSpec.Field);
            Assert.Contains("agent.json: chat: duplicate key", fromSpec.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
