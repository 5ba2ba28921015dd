using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentGym.Tests.Shared;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.Server.Tests;

/// <summary>Issue 13 item 8: a run's limit holds without the process that set it, and a new server removes what a killed one left.</summary>
public sealed class KilledServerTests
{
    private const int LimitSeconds = 8;

    [DockerFact]
    public async Task A_SIGKILLed_server_leaves_a_container_that_ends_at_the_run_limit_and_the_next_server_removes_it_at_start()
    {
        await using var world = new TestWorld();
        var manifest = Path.Combine(world.TasksDirectory, "test", "tiny", "task.json");
        var task = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        task["time_limit_seconds"] = LimitSeconds;
        File.WriteAllText(manifest, task.ToJsonString());
        using var docker = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        string episode;
        string containerId;
        Stopwatch sinceStart;
        var first = Serve(world);
        try
        {
            using var client = await ClientAsync(first, timeout.Token);
            using var created = await client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId }, timeout.Token);
            episode = JsonNode.Parse(await created.Content.ReadAsStringAsync(timeout.Token))!["episode_id"]!.GetValue<string>();
            var script = "import time\nprint('started', flush=True)\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.2)\n";
            using (await client.PostAsJsonAsync($"/v1/episodes/{episode}/steps", new { name = "write_file", arguments = new { path = "train_gpt.py", content = script } }, timeout.Token)) { }
            using (await client.PostAsJsonAsync($"/v1/episodes/{episode}/steps", new { name = "run_training", arguments = new { } }, timeout.Token)) { }
            sinceStart = Stopwatch.StartNew();
            containerId = await WaitForAsync(async () => (await ContainersAsync(docker, episode)).FirstOrDefault(c => c.State == "running")?.ID, timeout.Token);
            // Let the command print for a while, so that the kill lands mid-run.
            await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync(timeout.Token);
        }

        // Before: the holder slept limit + 15 minutes. Now the container ends a few seconds after the run's limit.
        await WaitForAsync(async () => (await docker.Containers.InspectContainerAsync(containerId, timeout.Token)).State?.Running == true ? null : "stopped", timeout.Token);
        Assert.True(sinceStart.Elapsed < TimeSpan.FromSeconds(LimitSeconds + 25), $"the container stopped {sinceStart.Elapsed.TotalSeconds:F0} s after the run started (limit {LimitSeconds} s)");
        Assert.NotEmpty(await ContainersAsync(docker, episode));

        var second = Serve(world);
        try
        {
            using var client = await ClientAsync(second, timeout.Token);
            // No run has started in the new server, and the dead one's container is already gone.
            Assert.Empty(await ContainersAsync(docker, episode));
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync(timeout.Token);
            try { await docker.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }); }
            catch (DockerContainerNotFoundException) { }
        }
    }

    private static Process Serve(TestWorld world)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = world.Root };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "agentgym.dll"), "serve", "--urls", "http://127.0.0.1:0", "--sandbox", "docker", "--tasks-dir", world.TasksDirectory })
            info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = Path.Combine(world.Root, "home");
        info.Environment["AGENTGYM_SERVER_TOKEN"] = LiveServer.Token;
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static async Task<HttpClient> ClientAsync(Process server, CancellationToken cancellationToken)
    {
        var ready = await server.StandardOutput.ReadLineAsync(cancellationToken);
        Assert.StartsWith("agentgym server listening on http://127.0.0.1:", ready);
        var client = new HttpClient { BaseAddress = new Uri(ready!.Split(' ')[^1]) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LiveServer.Token);
        return client;
    }

    private static async Task<IList<ContainerListResponse>> ContainersAsync(DockerClient docker, string episode) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["agentgym.episode=" + episode] = true } },
        });

    private static async Task<string> WaitForAsync(Func<Task<string?>> probe, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }
}
