using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Scoring;
using AgentGym.Tests.Shared;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace AgentGym.Server.Tests;

/// <summary>A submit's verification reports its progress as SSE events over HTTP and as MCP progress notifications.</summary>
public sealed class VerificationProgressTests
{
    /// <summary>Reports three steps of a verification, then a passed verdict; and records the reward it was given.</summary>
    private sealed class ReportingScorer : ISubmissionScorer
    {
        public string? RewardName { get; private set; }

        public Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
        {
            RewardName = submission.Reward?.Name;
            submission.Progress?.Report(new VerificationProgress("train", 1, 1, PairRole.Start, 0, 2, "pair 1/1: training the starting record"));
            submission.Progress?.Report(new VerificationProgress("train", 1, 1, PairRole.Submission, 1, 2, "pair 1/1: training the submission"));
            submission.Progress?.Report(new VerificationProgress("done", 0, 1, null, 2, 2, "Verified."));
            return Task.FromResult(new SubmissionVerdict(0.5, true, "Verified.", TestVerdicts.Passed(0.5)));
        }
    }

    [Fact]
    public async Task Over_http_the_verification_events_stream_ends_with_done_and_the_reset_picks_the_reward()
    {
        var scorer = new ReportingScorer();
        await using var live = await LiveServer.StartAsync(configure: o => o with { Gym = o.Gym with { Scorer = scorer } });
        var id = await live.CreateEpisodeAsync(new { task_id = TestWorld.TaskId, reward = "shaped:loss_weight=0.2" });
        using (var submitted = await live.StepAsync(id, "submit"))
            Assert.Equal(System.Net.HttpStatusCode.OK, submitted.StatusCode);

        var text = await live.Client.GetStringAsync($"/v1/episodes/{id}/verification/events");
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => JsonNode.Parse(block.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!).ToList();
        Assert.Equal(["train", "train", "done"], events.Select(e => e["phase"]!.GetValue<string>()));
        Assert.Equal("pair 1/1: training the submission", events[1]["message"]!.GetValue<string>());
        Assert.Equal("shaped", scorer.RewardName);
    }

    [Fact]
    public async Task Over_http_an_unknown_reward_is_refused_at_reset()
    {
        await using var live = await LiveServer.StartAsync();
        using var response = await live.Client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId, reward = "fastest" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown reward function 'fastest'; known: fsr, shaped", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_mcp_a_submit_with_a_progress_token_gets_progress_notifications()
    {
        await using var live = await LiveServer.StartAsync(configure: o => o with { Gym = o.Gym with { Scorer = new ReportingScorer() } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(live.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {LiveServer.Token}" },
        }, loggerFactory: null), clientOptions: null, loggerFactory: null, timeout.Token);
        var reset = await client.CallToolAsync("reset", new Dictionary<string, object?> { ["task_id"] = TestWorld.TaskId }, cancellationToken: timeout.Token);
        Assert.NotEqual(true, reset.IsError);

        var seen = new List<ProgressNotificationValue>();
        var all = new TaskCompletionSource();
        var progress = new Progress(v => { lock (seen) { seen.Add(v); if (seen.Count == 3) all.TrySetResult(); } });
        var submitted = await client.CallToolAsync("submit", progress: progress, cancellationToken: timeout.Token);
        Assert.NotEqual(true, submitted.IsError);
        await all.Task.WaitAsync(timeout.Token);
        lock (seen)
        {
            // The server sends them in order; the client may hand them to its callback on pool threads in any order.
            var ordered = seen.OrderBy(v => v.Progress).ToList();
            Assert.Equal([0f, 1f, 2f], ordered.Select(v => v.Progress));
            Assert.Equal("pair 1/1: training the starting record", ordered[0].Message);
            Assert.Equal([2f, 2f, 2f], ordered.Select(v => v.Total));
        }
    }

    private sealed class Progress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
