using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Runs;
using AgentGym.Core.Trajectories;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13, item 1: a training log with nan or inf costs nothing but says the run diverged.</summary>
public sealed class NonFiniteMetricsTests
{
    internal static readonly string[] NanLog =
    [
        "step:1/2 val_loss:2.5000 train_time:10ms step_avg:10.00ms",
        "step:2/2 val_loss:nan train_time:20ms step_avg:10.00ms",
        "one more plain line",
    ];

    [Theory]
    [InlineData("nan", "nan")]
    [InlineData("NaN", "NaN")]
    [InlineData("inf", "inf")]
    [InlineData("-inf", "-inf")]
    [InlineData("Infinity", "Infinity")]
    [InlineData("1e999", "1e999")]
    public void The_parser_keeps_a_non_finite_value_as_text_never_as_a_double(string printed, string kept)
    {
        var e = SpeedrunLogParser.TryParse($"step:2/2 val_loss:{printed} train_time:20ms step_avg:10.00ms", 0)!;
        Assert.Null(e.ValLoss);
        Assert.Equal(kept, e.NonFinite![MetricEvent.ValLossField]);
        Assert.Equal(20, e.TrainTimeMs);
        Assert.True(e.Diverged);
        Assert.True(e.HasValLoss);
        Assert.Equal($"{{\"step\":2,\"total_steps\":2,\"train_time_ms\":20,\"step_avg_ms\":10,\"non_finite\":{{\"val_loss\":\"{kept}\"}},\"host_ms\":0}}",
            JsonSerializer.Serialize(e, Json.JsonDefaults.Options));
    }

    [Fact]
    public void A_non_finite_time_is_not_a_divergence_and_a_step_too_large_is_no_metric()
    {
        var e = SpeedrunLogParser.TryParse("step:3 train_loss:2.0 train_time:inf", 0)!;
        Assert.Equal("inf", e.NonFinite![MetricEvent.TrainTimeField]);
        Assert.Null(e.TrainTimeMs);
        Assert.False(e.Diverged);
        Assert.Null(SpeedrunLogParser.TryParse("step:99999999999 train_loss:2.0", 0));
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("inf")]
    public async Task A_diverged_run_is_a_result_with_a_reason_and_keeps_every_line(string value)
    {
        await using var world = new TestWorld();
        var log = NanLog.Select(l => l.Replace("val_loss:nan", $"val_loss:{value}", StringComparison.Ordinal)).ToArray();
        await using var env = await world.ResetAsync(new FakeSandbox(log));
        await env.StepAsync("run_training");

        var status = await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.False(status.Observation.IsError, status.Observation.Text);
        Assert.Contains($"run-1: Diverged, elapsed", status.Observation.Text);
        Assert.Contains($"val_loss was {value} at step 2; exited normally (exit code 0)", status.Observation.Text);
        Assert.Contains($"val_loss {value} (step 2)", status.Observation.Text);
        Assert.Equal("diverged", status.Info["state"]!.GetValue<string>());
        Assert.Null(status.Info["last_val_loss"]);
        Assert.Equal(2.5, status.Info["best_val_loss"]!.GetValue<double>());
        Assert.Equal(2, status.Info["diverged"]!["step"]!.GetValue<int>());
        Assert.Equal(value, status.Info["diverged"]!["values"]!["val_loss"]!.GetValue<string>());

        var metrics = await env.StepAsync("get_metrics", new { run_id = "run-1" });
        Assert.Contains($"step 2: {value} (train_time 20 ms)", metrics.Observation.Text);
        Assert.Equal(value, metrics.Info["curve"]![1]!["non_finite"]!["val_loss"]!.GetValue<string>());

        var logs = (await env.StepAsync("inspect_logs", new { run_id = "run-1" })).Observation.Text;
        Assert.Contains($"2\tstep:2/2 val_loss:{value}", logs);
        Assert.Contains("3\tone more plain line", logs);
        Assert.Contains("run run-1 ended: Diverged (exit code 0)", logs);

        var runDir = Path.Combine(env.Episode!.Directory, "runs", "run-1");
        var logFile = File.ReadAllLines(Path.Combine(runDir, "log.txt"));
        Assert.Equal(log, logFile.Take(3));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Length);
        Assert.Equal("diverged", JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "run.json")))!["state"]!.GetValue<string>());

        // Every step is in the trajectory, each line valid JSON.
        var entries = TrajectoryReader.Read(env.Episode.TrajectoryPath);
        Assert.Equal(["reset", "run_training", "run_status", "get_metrics", "inspect_logs"],
            entries.Select(e => e.ToolCall?.Name ?? e.Kind));
    }

    [Fact]
    public async Task A_line_that_broke_the_parser_is_kept_with_the_lines_after_it()
    {
        await using var world = new TestWorld();
        string[] log = ["step:99999999999/2 train_loss:1.0 train_time:1ms", "after it", "step:1/1 val_loss:1.5 train_time:2ms"];
        await using var env = await world.ResetAsync(new FakeSandbox(log));
        await env.StepAsync("run_training");
        var status = await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.Contains("run-1: Succeeded", status.Observation.Text);
        Assert.Equal(1.5, status.Info["last_val_loss"]!.GetValue<double>());
        var logs = (await env.StepAsync("inspect_logs", new { run_id = "run-1" })).Observation.Text;
        Assert.Contains("2\tafter it", logs);
    }

    [Fact]
    public async Task A_running_run_has_its_log_and_run_json_on_disk_before_it_ends()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(new FakeSandbox(NanLog, hang: true));
        await env.StepAsync("run_training");
        var runDir = Path.Combine(env.Episode!.Directory, "runs", "run-1");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !File.ReadAllText(Path.Combine(runDir, "log.txt")).Contains("one more plain line", StringComparison.Ordinal))
            await Task.Delay(20);

        // What a server killed now would leave: the lines so far, and a run.json that says the run was running.
        Assert.Equal(NanLog, File.ReadAllLines(Path.Combine(runDir, "log.txt")));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "run.json")))!;
        Assert.Equal("running", summary["state"]!.GetValue<string>());
        Assert.Equal(2, summary["diverged"]!["step"]!.GetValue<int>());
        var status = await env.StepAsync("run_status", new { run_id = "run-1" });
        Assert.Contains("run-1: Running", status.Observation.Text);
        Assert.Contains("diverged: val_loss was nan at step 2", status.Observation.Text);
        await env.StepAsync("cancel_run", new { run_id = "run-1" });
    }
}
