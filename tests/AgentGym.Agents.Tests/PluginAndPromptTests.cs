using System.Text.Json.Nodes;
using AgentGym.Agents.Prompts;
using AgentGym.Agents.Scaffolds;
using AgentGym.Agents.Sk;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;
using Microsoft.SemanticKernel;

namespace AgentGym.Agents.Tests;

public sealed class PluginAndPromptTests
{
    [Fact]
    public async Task The_plugin_exposes_every_tool_with_its_descriptor_and_invoking_a_function_steps_the_environment()
    {
        await using var world = new AgentTestWorld();
        await using var env = world.CreateEnvironment();
        await env.ResetAsync(new ResetOptions { TaskId = AgentTestWorld.TaskId });

        var plugin = GymToolPlugin.Create(env);

        Assert.Equal(env.Tools.Count, plugin.FunctionCount);
        foreach (var tool in env.Tools)
        {
            var function = plugin[tool.Name];
            Assert.Equal(tool.Description, function.Description);
            var required = tool.ParametersSchema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
            var properties = tool.ParametersSchema["properties"]!.AsObject();
            Assert.Equal(properties.Select(p => p.Key), function.Metadata.Parameters.Select(p => p.Name));
            foreach (var parameter in function.Metadata.Parameters)
            {
                Assert.Equal(required.Contains(parameter.Name), parameter.IsRequired);
                Assert.True(JsonNode.DeepEquals(properties[parameter.Name], JsonNode.Parse(parameter.Schema!.ToString())));
            }
        }

        // Auto-invocation path: SK hands every argument over as a string; the schema restores the integers.
        var kernel = new Kernel();
        kernel.Plugins.Add(plugin);
        var result = await kernel.InvokeAsync(plugin["read_file"], new KernelArguments { ["path"] = "train_gpt.py", ["start_line"] = "2", ["end_line"] = "3" });
        Assert.Contains("time_ms: 1000", result.GetValue<string>(), StringComparison.Ordinal);
        var step = TrajectoryReader.Read(env.Episode!.TrajectoryPath).Last();
        Assert.Equal("""{"path":"train_gpt.py","start_line":2,"end_line":3}""", step.ToolCall!.Arguments);
    }

    [Fact]
    public void Every_hint_regime_has_guidance_and_user_files_override_the_defaults()
    {
        foreach (var regime in HintRegimes.Benchmark)
            Assert.False(string.IsNullOrWhiteSpace(PromptLibrary.Default.HintGuidance(regime)));

        var dir = Path.Combine(Path.GetTempPath(), "agentgym-prompts-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "hints"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "system.md"), "Custom system; target {{target_val_loss}}.");
            File.WriteAllText(Path.Combine(dir, "hints", "L2.md"), "Use the description.");
            var library = new PromptLibrary(dir);
            Assert.Equal("Custom system; target 3.28.", library.Render("system.md", new Dictionary<string, string> { ["target_val_loss"] = "3.28" }));
            Assert.Equal("Use the description.", library.HintGuidance(HintRegime.L2));
            Assert.Equal(PromptLibrary.Default.HintGuidance(HintRegime.L1), library.HintGuidance(HintRegime.L1));
            File.WriteAllText(Path.Combine(dir, "task.md"), "{{observaton}}");
            var error = Assert.Throws<InvalidDataException>(() => library.Render("task.md", new Dictionary<string, string> { ["observation"] = "x" }));
            Assert.Contains("{{observaton}}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_overridden_system_prompt_is_what_the_model_receives()
    {
        await using var world = new AgentTestWorld();
        var dir = Path.Combine(world.Root, "my-prompts");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "system.md"), "You are a terse optimizer.");
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        await world.Agent("sk", world.Settings() with { PromptsDir = dir }).RunAsync(env, new ResetOptions { TaskId = AgentTestWorld.TaskId });

        var system = world.Server.Requests[0].Body["messages"]![0]!;
        Assert.Equal("You are a terse optimizer.", system["content"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Plan.\n<<<<<<< SEARCH train_gpt.py\nold\n=======\nnew\n>>>>>>> REPLACE", "train_gpt.py", "old", "new")]
    [InlineData("other.py\n```python\n<<<<<<< SEARCH\na\nb\n=======\nc\n>>>>>>> REPLACE\n```", "other.py", "a\nb", "c")]
    [InlineData("<<<<<<< SEARCH\nx\n=======\n>>>>>>> REPLACE", "train_gpt.py", "x", "")]
    public void Edit_blocks_are_read_with_their_file(string answer, string path, string search, string replace)
    {
        var (blocks, problems) = EditBlocks.Parse(answer, "train_gpt.py", ["train_gpt.py", "other.py"]);
        Assert.Empty(problems);
        var block = Assert.Single(blocks);
        Assert.Equal(path, block.Path);
        Assert.Equal(search, block.Search);
        Assert.Equal(replace, block.Replace);
    }

    [Fact]
    public void Whole_file_blocks_and_unclosed_blocks()
    {
        var (blocks, _) = EditBlocks.Parse("<<<<<<< FILE train_gpt.py\nprint(1)\n>>>>>>> END", "train_gpt.py", ["train_gpt.py"]);
        Assert.True(Assert.Single(blocks).IsWholeFile);
        Assert.Equal("print(1)\n", blocks[0].Replace);
        var (none, problems) = EditBlocks.Parse("<<<<<<< SEARCH\nx\n", "train_gpt.py", ["train_gpt.py"]);
        Assert.Empty(none);
        Assert.Contains("not closed", Assert.Single(problems), StringComparison.Ordinal);
    }
}
