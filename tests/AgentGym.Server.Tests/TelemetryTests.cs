using System.Net;
using System.Text.Json.Nodes;

namespace AgentGym.Server.Tests;

public sealed class TelemetryTests
{
    private static readonly string[] Log =
    [
        "loading data",
        "step:1/3 train_loss:4.0000 train_time:100ms step_avg:100.00ms",
        "step:2/3 train_loss:3.0000 train_time:200ms step_avg:100.00ms",
        "some other line",
        "step:3/3 train_loss:2.5000 train_time:300ms step_avg:100.00ms",
        "step:3/3 val_loss:1.9000 train_time:300ms step_avg:100.00ms",
        "done",
    ];

    [Fact]
    public async Task The_event_stream_delivers_a_runs_metrics_in_order_and_ends()
    {
        var sandbox = new ScriptedSandbox(Log, gateStart: true);
        await using var live = await LiveServer.StartAsync(sandbox);
        var id = await live.CreateEpisodeAsync();
        using var started = await live.StepAsync(id, "run_training");
        var runId = (await LiveServer.ReadJsonAsync(started))["info"]!["run_id"]!.GetValue<string>();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/{runId}/events");
        using var response = await live.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        // Only now does the run print: every event below arrived live over the open stream.
        sandbox.Start.SetResult();
        var events = await ReadEventsAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);

        var metrics = events.Where(e => e.Kind == "metric").Select(e => e.Data["metric"]!).ToList();
        Assert.Equal([1, 2, 3, 3], metrics.Select(m => m["step"]!.GetValue<int>()));
        Assert.Equal([4.0, 3.0, 2.5], metrics.Take(3).Select(m => m["train_loss"]!.GetValue<double>()));
        Assert.Equal(1.9, metrics[3]["val_loss"]!.GetValue<double>());
        Assert.Contains(events, e => e.Kind == "log" && e.Data["text"]!.GetValue<string>() == "some other line");
        Assert.Equal("end", events[^1].Kind);
        Assert.Equal("succeeded", events[^1].Data["state"]!.GetValue<string>());
        var ids = events.Select(e => e.Id).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Distinct().Count(), ids.Count);

        // A client that reconnects with Last-Event-ID gets only what it missed; the stream of an ended run ends at once.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/{runId}/events");
        resume.Headers.Add("Last-Event-ID", ids[^3].ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resumed = await live.Client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var rest = await ReadEventsAsync(await resumed.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);
        Assert.Equal(ids[^2..], rest.Select(e => e.Id));
    }

    [Fact]
    public async Task Closing_the_episode_ends_an_open_stream()
    {
        var sandbox = new ScriptedSandbox(["step:1/3 train_loss:4.0000 train_time:100ms step_avg:100.00ms"], gateFinish: true);
        await using var live = await LiveServer.StartAsync(sandbox);
        var id = await live.CreateEpisodeAsync();
        (await live.StepAsync(id, "run_training")).Dispose();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await live.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/run-1/events"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var reading = ReadEventsAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);
        (await live.Client.DeleteAsync($"/v1/episodes/{id}", timeout.Token)).Dispose();
        var events = await reading;
        Assert.Contains(events, e => e.Kind == "metric");
        // The stream ended because the run did: closing the episode cancelled the run, and its end event says so.
        Assert.Equal("end", events[^1].Kind);
        Assert.Equal("cancelled", events[^1].Data["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_silent_run_gets_keep_alive_comments()
    {
        var sandbox = new ScriptedSandbox([], gateFinish: true);
        await using var live = await LiveServer.StartAsync(sandbox, o => o with { StreamHeartbeat = TimeSpan.FromMilliseconds(50) });
        var id = await live.CreateEpisodeAsync();
        (await live.StepAsync(id, "run_training")).Dispose();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await live.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/run-1/events"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var beats = 0;
        while (beats < 2 && await reader.ReadLineAsync(timeout.Token) is { } line)
            if (line == ": keep-alive") beats++;
        sandbox.Finish.SetResult();
        Assert.Equal(2, beats);
        Assert.Contains("event: end", await reader.ReadToEndAsync(timeout.Token));
    }

    internal sealed record SseEvent(long Id, string Kind, JsonObject Data);

    /// <summary>Reads SSE frames until the server closes the stream.</summary>
    internal static async Task<List<SseEvent>> ReadEventsAsync(Stream stream, CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        using var reader = new StreamReader(stream);
        long id = -1;
        string? kind = null, data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && kind is not null && data is not null)
            {
                events.Add(new SseEvent(id, kind, JsonNode.Parse(data)!.AsObject()));
                kind = data = null;
            }
        }
        return events;
    }
}
