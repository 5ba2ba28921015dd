using System.Net;
using System.Text.Json.Nodes;

namespace AgentGym.Server.Tests;

/// <summary>The dashboard's routes without a browser: what needs the token, what is served, and reading episode folders.</summary>
public sealed class DashboardApiTests
{
    [Fact]
    public async Task The_page_and_its_files_need_no_token_but_the_data_does()
    {
        await using var live = await LiveServer.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = live.BaseAddress };

        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("default-src 'none'; script-src 'self';", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var chartLibrary = await anonymous.GetAsync("/dashboard/uPlot.iife.min.js");
        Assert.Equal(HttpStatusCode.OK, chartLibrary.StatusCode);
        Assert.Contains("uPlot", await chartLibrary.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/dashboard/episodes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/not-a-file.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await live.Client.GetAsync("/v1/dashboard/episodes")).StatusCode);
    }

    [Fact]
    public async Task Episodes_are_read_from_their_folders_including_a_half_written_trajectory_line()
    {
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync();
        using var written = await live.StepAsync(id, "write_file", new { path = "train_gpt.py", content = "lr = 3e-3\n" });
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        // A writer caught mid-line: the reader skips the fragment instead of failing.
        File.AppendAllText(Path.Combine(live.World.EpisodesDirectory, id, "trajectory.jsonl"), "{\"kind\":\"st");

        var list = JsonNode.Parse(await live.Client.GetStringAsync("/v1/dashboard/episodes"))!["episodes"]!.AsArray();
        var row = Assert.Single(list)!;
        Assert.Equal(id, row["episode_id"]!.GetValue<string>());
        Assert.Equal(TestWorld.TaskId, row["task_id"]!.GetValue<string>());
        Assert.Equal("live", row["state"]!.GetValue<string>());
        Assert.Equal(1, row["steps"]!.GetValue<int>());

        var detail = JsonNode.Parse(await live.Client.GetStringAsync($"/v1/dashboard/episodes/{id}"))!;
        Assert.Equal(["reset", "step"], detail["steps_list"]!.AsArray().Select(s => s!["kind"]!.GetValue<string>()));
        Assert.Equal("write_file", detail["steps_list"]![1]!["tool"]!.GetValue<string>());
        var diff = detail["diff"]!.GetValue<string>();
        Assert.Contains("+lr = 3e-3", diff, StringComparison.Ordinal);
        Assert.Contains("-lr = 1e-3", diff, StringComparison.Ordinal);
        Assert.Empty(detail["verdicts"]!.AsArray());
    }

    [Theory]
    [InlineData("running", false)]
    [InlineData("succeeded", true)]
    [InlineData("timed_out", true)]
    public async Task A_run_is_finished_only_once_its_summary_says_it_ended(string state, bool finished)
    {
        // run.json is rewritten while the run goes on; the page follows a run live until this says it finished.
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync();
        var run = Path.Combine(live.World.EpisodesDirectory, id, "runs", "run-1");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "run.json"), $$"""{"run_id": "run-1", "state": "{{state}}"}""");

        var detail = JsonNode.Parse(await live.Client.GetStringAsync($"/v1/dashboard/episodes/{id}/runs/run-1"))!;
        Assert.Equal((state, finished), (detail["state"]!.GetValue<string>(), detail["finished"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task A_step_answer_carries_info_and_not_its_typed_view()
    {
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync();
        using var step = await live.StepAsync(id, "list_files", new { });
        var body = JsonNode.Parse(await step.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["info", "observation", "reward", "terminated", "truncated"], body.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/v1/dashboard/episodes/..")]
    [InlineData("/v1/dashboard/episodes/..%2F..%2Fetc")]
    [InlineData("/v1/dashboard/episodes/nope/runs/..")]
    [InlineData("/v1/dashboard/evaluations/..%2Fsecret.sqlite")]
    public async Task Ids_cannot_reach_outside_their_folders(string path)
    {
        await using var live = await LiveServer.StartAsync();
        using var response = await live.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
