using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace AgentGym.Server.Tests;

public sealed class ApiTests
{
    [Fact]
    public async Task Requests_without_a_token_or_with_a_wrong_one_get_401()
    {
        await using var live = await LiveServer.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = live.BaseAddress };
        using var missing = await anonymous.GetAsync("/v1/tools");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString());

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LiveServer.Token + "x");
        using var wrong = await anonymous.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("wrong", (await LiveServer.ReadJsonAsync(wrong))["detail"]!.GetValue<string>());

        using var mcp = await anonymous.PostAsync("/mcp", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);

        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Empty(Directory.Exists(live.World.EpisodesDirectory) ? Directory.GetDirectories(live.World.EpisodesDirectory) : []);
    }

    [Fact]
    public async Task An_episode_runs_from_create_to_submit()
    {
        await using var live = await LiveServer.StartAsync();
        using var created = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId, hints = "L1", seed = 7, budgets = new { max_steps = 10 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await LiveServer.ReadJsonAsync(created);
        var id = body["episode_id"]!.GetValue<string>();
        Assert.Equal($"/v1/episodes/{Uri.EscapeDataString(id)}", created.Headers.Location?.ToString());
        Assert.Contains("train_gpt.py", body["observation"]!["text"]!.GetValue<string>());
        Assert.Contains("lr <- 3e-3", body["observation"]!["text"]!.GetValue<string>());
        Assert.Equal(TestWorld.TaskId, body["info"]!["task_id"]!.GetValue<string>());
        Assert.Equal(7, body["info"]!["seed"]!.GetValue<int>());

        using var read = await live.StepAsync(id, "read_file", new { path = "train_gpt.py" });
        var readResult = await LiveServer.ReadJsonAsync(read);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("lr = 1e-3", readResult["observation"]!["text"]!.GetValue<string>());
        Assert.False(readResult["observation"]!["is_error"]!.GetValue<bool>());
        Assert.Equal(0, readResult["reward"]!.GetValue<double>());
        Assert.False(readResult["terminated"]!.GetValue<bool>());

        // Arguments as a raw JSON string are passed through as the model wrote them.
        using var editRaw = await live.PostRawAsync($"/v1/episodes/{id}/steps",
            """{"name":"edit_file","arguments":"{\"path\":\"train_gpt.py\",\"old_str\":\"lr = 1e-3\",\"new_str\":\"lr = 3e-3\"}"}""");
        var editResult = await LiveServer.ReadJsonAsync(editRaw);
        Assert.False(editResult["observation"]!["is_error"]!.GetValue<bool>(), editResult.ToJsonString());

        using var submit = await live.StepAsync(id, "submit");
        var submitResult = await LiveServer.ReadJsonAsync(submit);
        Assert.True(submitResult["terminated"]!.GetValue<bool>());
        Assert.False(submitResult["truncated"]!.GetValue<bool>());
        Assert.Equal("unverified", submitResult["info"]!["verdict"]!.GetValue<string>());

        using var state = await live.Client.GetAsync($"/v1/episodes/{id}");
        var described = await LiveServer.ReadJsonAsync(state);
        Assert.True(described["ended"]!.GetValue<bool>());
        Assert.True(described["terminated"]!.GetValue<bool>());
        Assert.Equal(3, described["steps"]!.GetValue<int>());
        Assert.Equal("L1", described["hints"]!.GetValue<string>());
        Assert.Contains("lr = 3e-3", File.ReadAllText(Path.Combine(live.World.EpisodesDirectory, id, "workspace", "train_gpt.py")));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(live.World.EpisodesDirectory, id, "trajectory.jsonl")).Length);

        using var deleted = await live.Client.DeleteAsync($"/v1/episodes/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await live.Client.GetAsync($"/v1/episodes/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Bad_arguments_give_an_error_observation_and_the_episode_goes_on()
    {
        await using var live = await LiveServer.StartAsync();
        var id = await live.CreateEpisodeAsync();
        using var malformed = await live.PostRawAsync($"/v1/episodes/{id}/steps", """{"name":"read_file","arguments":"{not json"}""");
        Assert.Equal(HttpStatusCode.OK, malformed.StatusCode);
        var result = await LiveServer.ReadJsonAsync(malformed);
        Assert.True(result["observation"]!["is_error"]!.GetValue<bool>());
        Assert.Contains("not valid JSON", result["observation"]!["text"]!.GetValue<string>());

        using var unknown = await live.StepAsync(id, "rm_rf", new { });
        Assert.Contains("Unknown tool 'rm_rf'", (await LiveServer.ReadJsonAsync(unknown))["observation"]!["text"]!.GetValue<string>());

        using var escape = await live.StepAsync(id, "read_file", new { path = "../../../etc/passwd" });
        Assert.True((await LiveServer.ReadJsonAsync(escape))["observation"]!["is_error"]!.GetValue<bool>());

        using var fine = await live.StepAsync(id, "list_files");
        Assert.Contains("train_gpt.py", (await LiveServer.ReadJsonAsync(fine))["observation"]!["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/episodes", "{\"task_id\": ", "not valid JSON")]
    [InlineData("/v1/episodes", "[1, 2]", "must be a JSON object")]
    [InlineData("/v1/episodes", "{\"task_id\": \"test/tiny\", \"hints\": \"L4\"}", "Unknown hint regime 'L4'")]
    [InlineData("/v1/episodes", "{\"task_id\": \"no/such-task\"}", "No task 'no/such-task'")]
    [InlineData("/v1/episodes", "{}", "'task_id' is required")]
    [InlineData("/v1/episodes", "{\"task\": \"test/tiny\"}", "Unknown field 'task'")]
    [InlineData("/v1/episodes", "{\"task_id\": \"test/tiny\", \"budgets\": {\"max_steps\": 0}}", "'max_steps' must be at least 1")]
    [InlineData("/v1/episodes", "{\"task_id\": \"test/tiny\", \"seed\": \"one\"}", "'seed' must be an integer")]
    [InlineData("STEP", "{\"arguments\": {}}", "'name' (the tool to call) is required")]
    [InlineData("STEP", "{\"name\": \"list_files\"", "not valid JSON")]
    public async Task Malformed_requests_get_400_with_the_reason(string path, string body, string expected)
    {
        await using var live = await LiveServer.StartAsync();
        if (path == "STEP") path = $"/v1/episodes/{await live.CreateEpisodeAsync()}/steps";
        using var response = await live.PostRawAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, (await LiveServer.ReadJsonAsync(response))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_415()
    {
        await using var live = await LiveServer.StartAsync();
        using var response = await live.PostRawAsync("/v1/episodes", "task_id=test/tiny", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_gets_413_and_the_server_goes_on()
    {
        await using var live = await LiveServer.StartAsync(configure: o => o with { MaxRequestBodyBytes = 64 * 1024 });
        var id = await live.CreateEpisodeAsync();
        var content = new string('x', 200 * 1024);
        using var response = await live.StepAsync(id, "write_file", new { path = "big.txt", content });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(Path.Combine(live.World.EpisodesDirectory, id, "workspace", "big.txt")));

        using var after = await live.StepAsync(id, "write_file", new { path = "small.txt", content = "ok" });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Unknown_episodes_and_runs_get_404()
    {
        await using var live = await LiveServer.StartAsync(new ScriptedSandbox(["hello"]));
        using var get = await live.Client.GetAsync("/v1/episodes/nope");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Contains("no open episode 'nope'", (await LiveServer.ReadJsonAsync(get))["detail"]!.GetValue<string>());
        using var step = await live.StepAsync("nope", "list_files");
        Assert.Equal(HttpStatusCode.NotFound, step.StatusCode);
        using var delete = await live.Client.DeleteAsync("/v1/episodes/nope");
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        using var events = await live.Client.GetAsync("/v1/episodes/nope/runs/run-1/events");
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);

        var id = await live.CreateEpisodeAsync();
        using var run = await live.Client.GetAsync($"/v1/episodes/{id}/runs/run-9/events");
        Assert.Equal(HttpStatusCode.NotFound, run.StatusCode);
        Assert.Contains("no run 'run-9'", (await LiveServer.ReadJsonAsync(run))["detail"]!.GetValue<string>());
        using var route = await live.Client.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, route.StatusCode);
    }

    [Fact]
    public async Task A_task_whose_starting_files_are_missing_gets_409_with_the_file_and_opens_no_episode()
    {
        await using var live = await LiveServer.StartAsync(new ScriptedSandbox(["hello"]));
        Directory.Delete(Path.Combine(live.World.TasksDirectory, "test", "tiny", "start"), recursive: true);
        using var created = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId });
        Assert.Equal(HttpStatusCode.Conflict, created.StatusCode);
        Assert.Contains("starting file 'start' is missing", (await LiveServer.ReadJsonAsync(created))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        using var list = await live.Client.GetAsync("/v1/episodes");
        Assert.Empty((await LiveServer.ReadJsonAsync(list))["episodes"]!.AsArray());
    }

    [Fact]
    public async Task A_second_step_while_one_is_in_flight_gets_409_and_is_not_queued()
    {
        var sandbox = new ScriptedSandbox(["step:1/1 train_loss:2.0 train_time:10ms step_avg:10.00ms"], gateFinish: true);
        await using var live = await LiveServer.StartAsync(sandbox);
        var id = await live.CreateEpisodeAsync();
        using var started = await live.StepAsync(id, "run_training");
        var runId = (await LiveServer.ReadJsonAsync(started))["info"]!["run_id"]!.GetValue<string>();

        // The first step waits on a run that only finishes when the test says so: slow, deterministically.
        var first = live.StepAsync(id, "run_status", new { run_id = runId, wait_seconds = 60 });
        await WaitUntilAsync(async () => (await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/episodes/{id}"))!["step_in_flight"]!.GetValue<bool>());

        using var second = await live.StepAsync(id, "list_files");
        sandbox.Finish.SetResult();
        using var firstResponse = await first;

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("one at a time", (await LiveServer.ReadJsonAsync(second))["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Contains("Succeeded", (await LiveServer.ReadJsonAsync(firstResponse))["observation"]!["text"]!.GetValue<string>());

        // The refused step was never executed: the trajectory has reset, run_training and run_status only.
        var state = await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/episodes/{id}");
        Assert.Equal(2, state!["steps"]!.GetValue<int>());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(live.World.EpisodesDirectory, id, "trajectory.jsonl")).Length);
    }

    [Fact]
    public async Task Closing_an_episode_cancels_its_step_in_flight_and_its_runs()
    {
        var sandbox = new ScriptedSandbox([], gateFinish: true);
        await using var live = await LiveServer.StartAsync(sandbox);
        var id = await live.CreateEpisodeAsync();
        (await live.StepAsync(id, "run_training")).Dispose();
        var waiting = live.StepAsync(id, "run_status", new { run_id = "run-1", wait_seconds = 600 });
        await WaitUntilAsync(async () => (await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/episodes/{id}"))!["step_in_flight"]!.GetValue<bool>());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var deleted = await live.Client.DeleteAsync($"/v1/episodes/{id}", timeout.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var answered = await waiting.WaitAsync(timeout.Token);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var run = File.ReadAllText(Path.Combine(live.World.EpisodesDirectory, id, "runs", "run-1", "run.json"));
        Assert.Contains("cancelled", run);
    }

    [Fact]
    public async Task Episodes_are_isolated_from_each_other()
    {
        await using var live = await LiveServer.StartAsync();
        var a = await live.CreateEpisodeAsync();
        var b = await live.CreateEpisodeAsync();
        Assert.NotEqual(a, b);
        using var write = await live.StepAsync(a, "write_file", new { path = "notes.txt", content = "only in a" });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        using var list = await live.StepAsync(b, "list_files");
        Assert.DoesNotContain("notes.txt", (await LiveServer.ReadJsonAsync(list))["observation"]!["text"]!.GetValue<string>());
        using var submit = await live.StepAsync(a, "submit");
        var stateB = await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/episodes/{b}");
        Assert.False(stateB!["ended"]!.GetValue<bool>());
        var listed = await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/episodes");
        Assert.Equal(2, listed!["episodes"]!.AsArray().Count);
    }

    [Fact]
    public async Task Episodes_beyond_the_limit_get_429_until_one_is_closed()
    {
        await using var live = await LiveServer.StartAsync(configure: o => o with { MaxEpisodes = 1 });
        var first = await live.CreateEpisodeAsync();
        using var refused = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        (await live.Client.DeleteAsync($"/v1/episodes/{first}")).Dispose();
        await live.CreateEpisodeAsync();
    }

    [Fact]
    public async Task Tools_are_listed_with_their_schemas()
    {
        await using var live = await LiveServer.StartAsync();
        var body = await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/tools");
        var tools = body!["tools"]!.AsArray();
        var names = tools.Select(t => t!["name"]!.GetValue<string>()).ToList();
        foreach (var expected in new[] { "list_files", "read_file", "edit_file", "write_file", "insert_lines", "undo_edit", "diff", "run_training", "run_status", "inspect_logs", "get_metrics", "cancel_run", "submit" })
            Assert.Contains(expected, names);
        var edit = tools.Single(t => t!["name"]!.GetValue<string>() == "edit_file")!;
        Assert.Equal("object", edit["parameters"]!["type"]!.GetValue<string>());
        Assert.NotNull(edit["parameters"]!["properties"]!["old_str"]);
        Assert.Equal("reset", body["reset"]!["name"]!.GetValue<string>());

        var tasks = await live.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/tasks");
        Assert.Equal(TestWorld.TaskId, tasks!["tasks"]![0]!["id"]!.GetValue<string>());
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
            await Task.Delay(20, timeout.Token);
    }
}
