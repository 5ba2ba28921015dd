using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentGym.Server.Tests;

/// <summary>Issue 13 over HTTP: a nan in a training log, and steps after the end of an episode.</summary>
public sealed class RobustEpisodeTests
{
    private static readonly string[] NanLog =
    [
        "step:1/2 val_loss:2.5000 train_time:10ms step_avg:10.00ms",
        "step:2/2 val_loss:nan train_time:20ms step_avg:10.00ms",
        "one more plain line",
    ];

    [Fact]
    public async Task A_nan_in_the_log_reaches_run_status_the_trajectory_and_the_event_stream()
    {
        await using var live = await LiveServer.StartAsync(new ScriptedSandbox(NanLog));
        var id = await live.CreateEpisodeAsync();
        (await live.StepAsync(id, "run_training")).Dispose();

        using var status = await live.StepAsync(id, "run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        var body = await LiveServer.ReadJsonAsync(status);
        Assert.Equal("diverged", body["info"]!["state"]!.GetValue<string>());
        Assert.Contains("val_loss was nan at step 2", body["observation"]!["text"]!.GetValue<string>());

        using var metrics = await live.StepAsync(id, "get_metrics", new { run_id = "run-1" });
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);

        var trajectory = File.ReadAllLines(Path.Combine(live.World.EpisodesDirectory, id, "trajectory.jsonl"));
        Assert.Equal(["reset", "run_training", "run_status", "get_metrics"],
            trajectory.Select(l => JsonNode.Parse(l)!["tool_call"]?["name"]?.GetValue<string>() ?? "reset"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await live.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/run-1/events"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var events = await TelemetryTests.ReadEventsAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);
        var logs = events.Where(e => e.Kind == "log").Select(e => e.Data["text"]!.GetValue<string>()).ToList();
        Assert.Equal(NanLog, logs.Take(3));
        var nan = events.Where(e => e.Kind == "metric").Select(e => e.Data["metric"]!).Last();
        Assert.Equal("nan", nan["non_finite"]!["val_loss"]!.GetValue<string>());
        Assert.Equal("diverged", events[^1].Data["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_step_after_submit_is_409_with_the_final_flags()
    {
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync();
        (await live.StepAsync(id, "submit")).Dispose();

        using var again = await live.StepAsync(id, "submit");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await LiveServer.ReadJsonAsync(again);
        Assert.True(problem["terminated"]!.GetValue<bool>());
        Assert.False(problem["truncated"]!.GetValue<bool>());
        Assert.Equal(0, problem["reward"]!.GetValue<double>());
        Assert.Contains("The episode is over: it terminated (submitted) at step 1", problem["detail"]!.GetValue<string>());

        using var state = await live.Client.GetAsync($"/v1/episodes/{id}");
        Assert.Equal(1, (await LiveServer.ReadJsonAsync(state))["steps"]!.GetValue<int>());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(live.World.EpisodesDirectory, id, "trajectory.jsonl")).Length);
    }

    [Fact]
    public async Task A_step_after_truncation_is_409_with_truncated_true()
    {
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync(new { task_id = TestWorld.TaskId, budgets = new { max_steps = 1 } });
        using var last = await live.StepAsync(id, "list_files");
        Assert.True((await LiveServer.ReadJsonAsync(last))["truncated"]!.GetValue<bool>());

        using var after = await live.StepAsync(id, "list_files");
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        var problem = await LiveServer.ReadJsonAsync(after);
        Assert.False(problem["terminated"]!.GetValue<bool>());
        Assert.True(problem["truncated"]!.GetValue<bool>());
        Assert.Equal("step", problem["info"]!["truncated_by"]!.GetValue<string>());
    }
}
