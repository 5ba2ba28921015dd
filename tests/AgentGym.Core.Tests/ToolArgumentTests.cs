using System.Text.Json.Nodes;

namespace AgentGym.Core.Tests;

public sealed class ToolArgumentTests
{
    [Theory]
    [InlineData("read_file", "{\"path\": 12}", "argument 'path' must be a string, got a number (12)")]
    [InlineData("read_file", "{\"path\": \"train_gpt.py\", \"start_line\": \"ten\"}", "argument 'start_line' must be an integer, got a string (\"ten\")")]
    [InlineData("read_file", "{\"path\": \"train_gpt.py\", \"start_line\": 1.5}", "argument 'start_line' must be an integer")]
    [InlineData("read_file", "{}", "missing required argument 'path' (string)")]
    [InlineData("edit_file", "{\"path\": \"train_gpt.py\", \"old_str\": \"x\"}", "missing required argument 'new_str' (string)")]
    [InlineData("read_file", "{\"path\": \"a\", \"colour\": 1}", "unknown argument 'colour'")]
    [InlineData("read_file", "{\"path\": \"a\"", "not valid JSON")]
    [InlineData("read_file", "[\"train_gpt.py\"]", "expected a JSON object, got an array")]
    public async Task Bad_arguments_give_a_clear_error_and_the_episode_goes_on(string tool, string json, string expected)
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepRawAsync(tool, json);
        Assert.True(result.Observation.IsError);
        Assert.Contains(expected, result.Observation.Text);
        Assert.Contains("Expected", result.Observation.Text);
        Assert.False(result.Terminated);
        Assert.False(result.Truncated);

        var next = await env.StepAsync("read_file", new { path = "train_gpt.py", end_line = 1 });
        Assert.False(next.Observation.IsError);
        Assert.Equal(2, File.ReadAllLines(env.Episode!.TrajectoryPath).Length - 1);
    }

    [Fact]
    public async Task Unknown_tool_lists_the_available_ones()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("rm_rf");
        Assert.True(result.Observation.IsError);
        Assert.Contains("Unknown tool 'rm_rf'", result.Observation.Text);
        Assert.Contains("read_file", result.Observation.Text);
    }

    [Fact]
    public async Task Every_design_tool_is_declared_with_a_schema()
    {
        await using var world = new TestWorld();
        await using var env = world.CreateEnvironment();
        var names = env.Tools.Select(t => t.Name).ToHashSet();
        string[] expected = ["list_files", "read_file", "edit_file", "write_file", "insert_lines", "undo_edit", "diff",
            "run_training", "run_status", "inspect_logs", "get_metrics", "cancel_run", "submit"];
        Assert.Equal(expected.Order(), names.Order());

        var edit = env.Tools.Single(t => t.Name == "edit_file").ParametersSchema;
        Assert.Equal("object", edit["type"]!.GetValue<string>());
        Assert.Equal(["path", "old_str", "new_str"], edit["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(edit["additionalProperties"]!.GetValue<bool>());
        var read = env.Tools.Single(t => t.Name == "read_file").ParametersSchema;
        Assert.Equal("integer", read["properties"]!["start_line"]!["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(read["properties"]!["path"]!["description"]?.GetValue<string>()));
        Assert.All(env.Tools, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
    }
}
