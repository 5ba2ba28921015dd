using System.Text.Json.Nodes;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests;

public sealed class TaskLoaderTests
{
    [Fact]
    public async Task Loads_a_good_manifest()
    {
        await using var world = new TestWorld();
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        Assert.Empty(catalog.Errors);
        var task = catalog.Get(TestWorld.TaskId);
        Assert.Equal(2.0, task.TargetValLoss);
        Assert.Equal(["python3", "train_gpt.py"], task.EntryCommand);
        Assert.Equal(512, task.Resources.MemoryMb);
        Assert.Equal(512, task.Resources.Pids);
        Assert.Equal("log", task.Verification.Mode);
        Assert.Equal("test", task.Family);
    }

    [Theory]
    [InlineData("target_val_loss", null, "target_val_loss", "required field is missing")]
    [InlineData("target_val_loss", "\"low\"", "target_val_loss", "wrong type: expected a number")]
    [InlineData("entry_command", "\"python3 train.py\"", "entry_command", "wrong type: expected an array")]
    [InlineData("time_limit_seconds", "1.5", "time_limit_seconds", "wrong type: expected an integer")]
    [InlineData("verification", "{\"mode\": \"vibes\"}", "verification.mode", "must be 'independent' or 'log'")]
    [InlineData("resources", "{\"cpus\": \"two\"}", "resources.cpus", "wrong type: expected a number")]
    [InlineData("starting_files", "[\"missing.py\"]", "starting_files[0]", "does not exist")]
    [InlineData("record_time", "{\"mean_ms\": 20000}", "record_time.mean_ms", "must be below baseline_time.mean_ms")]
    public async Task A_bad_manifest_names_file_field_and_reason_without_hiding_good_tasks(string field, string? value, string expectedField, string expectedReason)
    {
        await using var world = new TestWorld();
        var badDir = Path.Combine(world.TasksDirectory, "test", "broken");
        Directory.CreateDirectory(Path.Combine(badDir, "start"));
        File.WriteAllText(Path.Combine(badDir, "start", "train_gpt.py"), "print(1)\n");
        var manifest = TestWorld.Manifest("test/broken");
        manifest.Remove("hints");
        if (value is null) manifest.Remove(field);
        else manifest[field] = JsonNode.Parse(value);
        File.WriteAllText(Path.Combine(badDir, "task.json"), manifest.ToJsonString());

        var catalog = TaskCatalog.Load(world.TasksDirectory);
        Assert.True(catalog.TryGet(TestWorld.TaskId, out _));
        Assert.False(catalog.TryGet("test/broken", out _));
        var error = Assert.Single(catalog.Errors);
        Assert.EndsWith(Path.Combine("broken", "task.json"), error.File);
        Assert.Equal(expectedField, error.Field);
        Assert.Contains(expectedReason, error.Reason);
    }

    [Fact]
    public async Task Invalid_json_reports_its_line()
    {
        await using var world = new TestWorld();
        var badDir = Path.Combine(world.TasksDirectory, "test", "syntax");
        Directory.CreateDirectory(badDir);
        File.WriteAllText(Path.Combine(badDir, "task.json"), "{\n  \"id\": \"test/syntax\",\n  \"title\": oops\n}");
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        var error = Assert.Single(catalog.Errors);
        Assert.Contains("invalid JSON at line 3", error.Reason);
        Assert.Single(catalog.Tasks);
    }

    [Fact]
    public async Task Unknown_task_id_says_which_tasks_exist()
    {
        await using var world = new TestWorld();
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        var ex = Assert.Throws<KeyNotFoundException>(() => catalog.Get("test/nope"));
        Assert.Contains("test/tiny", ex.Message);
    }
}

public sealed class NaturalOrderTests
{
    [Fact]
    public void Numbers_sort_by_value()
    {
        string[] ids = ["f/record-10", "f/record-2", "e/x", "f/record-1", "f/record-1-quick"];
        Assert.Equal(["e/x", "f/record-1", "f/record-1-quick", "f/record-2", "f/record-10"], ids.Order(NaturalOrder.Instance));
    }
}
