using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGym.Server.Tests;

public sealed class McpTests
{
    private static readonly string[] GymTools = ["list_files", "read_file", "edit_file", "write_file", "insert_lines", "undo_edit", "diff", "run_training", "run_status", "inspect_logs", "get_metrics", "cancel_run", "submit"];

    [Fact]
    public async Task Over_stdio_the_agentgym_mcp_command_lists_the_tools_and_completes_an_episode()
    {
        await using var world = new TestWorld();
        var stderr = new List<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "agentgym",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "agentgym.dll"), "mcp", "--task", TestWorld.TaskId, "--sandbox", "none", "--tasks-dir", world.TasksDirectory],
            WorkingDirectory = world.Root,
            EnvironmentVariables = new Dictionary<string, string?> { ["AGENTGYM_HOME"] = Path.Combine(world.Root, "home") },
            StandardErrorLines = line => { lock (stderr) stderr.Add(line); },
        }, loggerFactory: null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await McpClient.CreateAsync(transport, clientOptions: null, loggerFactory: null, timeout.Token);

        await PlayEpisodeAsync(client, timeout.Token);

        var episodes = Directory.GetDirectories(Path.Combine(world.Root, "home", "episodes"));
        Assert.Contains("lr = 3e-3", File.ReadAllText(Path.Combine(Assert.Single(episodes), "workspace", "train_gpt.py")));
        lock (stderr) Assert.DoesNotContain(stderr, l => l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Over_http_at_mcp_each_session_gets_its_own_episode()
    {
        await using var live = await LiveServer.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using var first = await ConnectAsync(live, timeout.Token);
        await using var second = await ConnectAsync(live, timeout.Token);

        await PlayEpisodeAsync(first, timeout.Token);

        // The second session has not reset: its tools answer with an error result, not a protocol failure.
        var early = await second.CallToolAsync("read_file", new Dictionary<string, object?> { ["path"] = "train_gpt.py" }, cancellationToken: timeout.Token);
        Assert.True(early.IsError);
        Assert.Contains("call reset first", Text(early));
    }

    [Fact]
    public async Task Over_http_mcp_needs_the_token()
    {
        await using var live = await LiveServer.StartAsync();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(live.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, loggerFactory: null);
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await McpClient.CreateAsync(transport, clientOptions: null, loggerFactory: null));

        // The client fails because the server answered 401, not for any other reason (a crash, a timeout, a 404).
        var http = Assert.IsType<HttpRequestException>(Chain(refused).FirstOrDefault(e => e is HttpRequestException), exactMatch: false);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, http.StatusCode);

        // The same request with the token is let through.
        using var anonymous = new HttpClient { BaseAddress = live.BaseAddress };
        const string initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
        using var withoutToken = await anonymous.SendAsync(McpPost(initialize, token: null));
        using var withToken = await anonymous.SendAsync(McpPost(initialize, LiveServer.Token));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, withToken.StatusCode);
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException) yield return e;
    }

    private static HttpRequestMessage McpPost(string json, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Over_http_an_ended_mcp_session_disposes_its_environment_and_frees_its_slot()
    {
        await using var live = await LiveServer.StartAsync(configure: o => o with { MaxEpisodes = 1 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var client = await ConnectAsync(live, timeout.Token);
        var reset = await client.CallToolAsync("reset", new Dictionary<string, object?> { ["task_id"] = TestWorld.TaskId }, cancellationToken: timeout.Token);
        Assert.NotEqual(true, reset.IsError);

        using var refused = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId }, timeout.Token);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.StatusCode);

        await client.DisposeAsync();
        await ApiTests.WaitUntilAsync(async () =>
        {
            using var created = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId }, timeout.Token);
            return created.StatusCode == System.Net.HttpStatusCode.Created;
        });
    }

    private static Task<McpClient> ConnectAsync(LiveServer live, CancellationToken cancellationToken) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(live.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {LiveServer.Token}" },
        }, loggerFactory: null), clientOptions: null, loggerFactory: null, cancellationToken);

    /// <summary>reset -> read_file -> edit_file -> submit, checking the tool list and results on the way.</summary>
    private static async Task PlayEpisodeAsync(McpClient client, CancellationToken cancellationToken)
    {
        var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
        var names = tools.Select(t => t.Name).ToList();
        Assert.Equal(["reset", .. GymTools], names.Where(n => n == "reset" || GymTools.Contains(n)));
        var edit = tools.Single(t => t.Name == "edit_file");
        Assert.True(edit.JsonSchema.GetProperty("properties").TryGetProperty("old_str", out _));
        Assert.False(string.IsNullOrWhiteSpace(edit.Description));

        var badReset = await client.CallToolAsync("reset", new Dictionary<string, object?> { ["task_id"] = TestWorld.TaskId, ["hints"] = "L9" }, cancellationToken: cancellationToken);
        Assert.True(badReset.IsError);
        Assert.Contains("Unknown hint regime", Text(badReset));

        var reset = await client.CallToolAsync("reset", new Dictionary<string, object?> { ["task_id"] = TestWorld.TaskId, ["hints"] = "L1" }, cancellationToken: cancellationToken);
        Assert.NotEqual(true, reset.IsError);
        Assert.Contains("train_gpt.py", Text(reset));

        var read = await client.CallToolAsync("read_file", new Dictionary<string, object?> { ["path"] = "train_gpt.py" }, cancellationToken: cancellationToken);
        Assert.NotEqual(true, read.IsError);
        Assert.Contains("lr = 1e-3", Text(read));

        var wrongEdit = await client.CallToolAsync("edit_file", new Dictionary<string, object?> { ["path"] = "train_gpt.py", ["old_str"] = "lr = 9", ["new_str"] = "x" }, cancellationToken: cancellationToken);
        Assert.True(wrongEdit.IsError);

        var edited = await client.CallToolAsync("edit_file", new Dictionary<string, object?> { ["path"] = "train_gpt.py", ["old_str"] = "lr = 1e-3", ["new_str"] = "lr = 3e-3" }, cancellationToken: cancellationToken);
        Assert.NotEqual(true, edited.IsError);

        var submitted = await client.CallToolAsync("submit", cancellationToken: cancellationToken);
        Assert.NotEqual(true, submitted.IsError);
        Assert.Contains("episode terminated", Text(submitted));
        Assert.True(submitted.StructuredContent!.Value.GetProperty("terminated").GetBoolean());

        // The end is latched: a retried submit is an error that repeats the final flags, with reward 0.
        var again = await client.CallToolAsync("submit", cancellationToken: cancellationToken);
        Assert.True(again.IsError);
        Assert.Contains("The episode is over: it terminated (submitted)", Text(again));
        Assert.True(again.StructuredContent!.Value.GetProperty("terminated").GetBoolean());
        Assert.False(again.StructuredContent!.Value.GetProperty("truncated").GetBoolean());
        Assert.Equal(0, again.StructuredContent!.Value.GetProperty("reward").GetDouble());
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
