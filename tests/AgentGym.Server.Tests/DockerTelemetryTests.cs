using System.Net;
using AgentGym.Sandbox;
using AgentGym.Tests.Shared;

namespace AgentGym.Server.Tests;

public sealed class DockerTelemetryTests
{
    /// <summary>Real PyTorch: a few optimiser steps of a tiny model, printing the speedrun's log lines.</summary>
    private const string TrainingScript = """
        import time, torch
        torch.manual_seed(0)
        model = torch.nn.Linear(8, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.randn(64, 8), torch.randn(64, 1)
        t0 = time.perf_counter()
        for step in range(1, 6):
            loss = torch.nn.functional.mse_loss(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
            ms = (time.perf_counter() - t0) * 1000
            print(f"step:{step}/5 train_loss:{loss.item():.4f} train_time:{ms:.0f}ms step_avg:{ms / step:.2f}ms", flush=True)
            time.sleep(0.2)
        print(f"step:5/5 val_loss:{loss.item():.4f} train_time:{ms:.0f}ms step_avg:{ms / 5:.2f}ms", flush=True)
        """;

    [DockerFact]
    public async Task The_event_stream_delivers_the_metrics_of_a_real_run_in_the_cpu_image()
    {
        var docker = Sandboxes.CreateDocker();
        using var engine = (IDisposable)docker;
        await using var live = await LiveServer.StartAsync(docker);
        var id = await live.CreateEpisodeAsync();
        using var written = await live.StepAsync(id, "write_file", new { path = "train_gpt.py", content = TrainingScript });
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        using var started = await live.StepAsync(id, "run_training");
        var runId = (await LiveServer.ReadJsonAsync(started))["info"]!["run_id"]!.GetValue<string>();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/episodes/{id}/runs/{runId}/events");
        using var response = await live.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await TelemetryTests.ReadEventsAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);

        var metrics = events.Where(e => e.Kind == "metric").Select(e => e.Data["metric"]!).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 5], metrics.Select(m => m["step"]!.GetValue<int>()));
        Assert.All(metrics.Take(5), m => Assert.True(m["train_loss"]!.GetValue<double>() > 0));
        Assert.NotNull(metrics[5]["val_loss"]);
        // Host arrival stamps grow with the script's sleeps: the events were read live, not made up at the end.
        var hostMs = metrics.Take(5).Select(m => m["host_ms"]!.GetValue<double>()).ToList();
        Assert.True(hostMs[4] - hostMs[0] >= 600, $"host stamps {string.Join(", ", hostMs)}");
        Assert.Equal("end", events[^1].Kind);
        Assert.Equal("succeeded", events[^1].Data["state"]!.GetValue<string>());
    }
}
