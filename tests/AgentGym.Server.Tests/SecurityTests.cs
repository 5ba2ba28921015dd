using System.Net;
using System.Net.Http.Json;

namespace AgentGym.Server.Tests;

public sealed class SecurityTests
{
    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://192.0.2.10:0")]
    [InlineData("http://example.com:0")]
    public async Task Without_a_token_the_server_refuses_to_start_on_a_non_loopback_address(string url)
    {
        await using var world = new TestWorld();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GymServer.StartAsync(new GymServerOptions
        {
            Gym = world.Gym(),
            Urls = [url],
            AllowNoTokenOnLoopback = true,
        }));
        Assert.Contains("non-loopback", error.Message);
    }

    [Fact]
    public async Task Without_a_token_the_server_refuses_to_start_unless_told_to_allow_it()
    {
        await using var world = new TestWorld();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GymServer.StartAsync(new GymServerOptions
        {
            Gym = world.Gym(),
            Urls = ["http://127.0.0.1:0"],
        }));
        Assert.Contains("without a bearer token", error.Message);

        var shortToken = await Assert.ThrowsAsync<InvalidOperationException>(() => GymServer.StartAsync(new GymServerOptions
        {
            Gym = world.Gym(),
            Urls = ["http://127.0.0.1:0"],
            Token = "secret",
        }));
        Assert.Contains("too short", shortToken.Message);
    }

    [Fact]
    public async Task Without_a_token_on_loopback_requests_from_web_pages_are_refused()
    {
        await using var world = new TestWorld();
        await using var server = await GymServer.StartAsync(new GymServerOptions
        {
            Gym = world.Gym(),
            Urls = ["http://127.0.0.1:0"],
            AllowNoTokenOnLoopback = true,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
        });
        using var client = new HttpClient { BaseAddress = server.Addresses[0] };
        using var plain = await client.GetAsync("/v1/tools");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);

        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/v1/tools");
        rebinding.Headers.Host = "attacker.example";
        using var rebound = await client.SendAsync(rebinding);
        Assert.Equal(HttpStatusCode.Forbidden, rebound.StatusCode);

        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, "/v1/episodes") { Content = JsonContent.Create(new { task_id = TestWorld.TaskId }) };
        crossOrigin.Headers.Add("Origin", "https://attacker.example");
        using var refused = await client.SendAsync(crossOrigin);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
