using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Server.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (a free port) over a TestWorld, and an HttpClient that carries the token.</summary>
internal sealed class LiveServer : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private LiveServer(TestWorld world, IGymServer server, HttpClient client)
    {
        World = world;
        Server = server;
        Client = client;
    }

    public TestWorld World { get; }
    public IGymServer Server { get; }
    public HttpClient Client { get; }
    public Uri BaseAddress => Server.Addresses[0];

    public static async Task<LiveServer> StartAsync(ISandbox? sandbox = null, Func<GymServerOptions, GymServerOptions>? configure = null)
    {
        var world = new TestWorld();
        var options = new GymServerOptions
        {
            Gym = world.Gym(sandbox),
            Urls = ["http://127.0.0.1:0"],
            Token = Token,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        var server = await GymServer.StartAsync(configure?.Invoke(options) ?? options);
        var client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return new LiveServer(world, server, client);
    }

    public async Task<string> CreateEpisodeAsync(object? body = null)
    {
        using var response = await Client.PostAsJsonAsync("/v1/episodes", body ?? new { task_id = TestWorld.TaskId });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var json = await ReadJsonAsync(response);
        return json["episode_id"]!.GetValue<string>();
    }

    public Task<HttpResponseMessage> StepAsync(string episodeId, string tool, object? arguments = null, CancellationToken cancellationToken = default) =>
        Client.PostAsJsonAsync($"/v1/episodes/{episodeId}/steps", new { name = tool, arguments = arguments ?? new { } }, cancellationToken);

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType = "application/json") =>
        Client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await World.DisposeAsync();
    }
}
