using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace AgentGym.Server.Tests;

/// <summary>The real `agentgym serve` binary refuses unsafe starts with exit code 1 and a reason on stderr.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("Refusing to start without a bearer token", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("non-loopback address (http://0.0.0.0:0)", "serve", "--allow-no-token", "--urls", "http://0.0.0.0:0")]
    [InlineData("Unknown sandbox 'nope'", "serve", "--sandbox", "nope")]
    public async Task Serve_refuses_to_start_and_says_why(string expected, params string[] args)
    {
        await using var world = new TestWorld();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = world.Root };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agentgym.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        if (!args.Contains("--sandbox")) { info.ArgumentList.Add("--sandbox"); info.ArgumentList.Add("none"); }
        info.ArgumentList.Add("--tasks-dir");
        info.ArgumentList.Add(world.TasksDirectory);
        info.Environment["AGENTGYM_HOME"] = Path.Combine(world.Root, "home");
        info.Environment.Remove("AGENTGYM_SERVER_TOKEN");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains(expected, await stderr);
        Assert.DoesNotContain("listening", await stdout);
    }

    [Fact]
    public async Task Serve_prints_its_address_serves_and_stops_cleanly_on_SIGTERM()
    {
        await using var world = new TestWorld();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = world.Root };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "agentgym.dll"), "serve", "--urls", "http://127.0.0.1:0", "--sandbox", "none", "--tasks-dir", world.TasksDirectory })
            info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = Path.Combine(world.Root, "home");
        info.Environment["AGENTGYM_SERVER_TOKEN"] = LiveServer.Token;
        using var process = Process.Start(info)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.StartsWith("agentgym server listening on http://127.0.0.1:", ready);

            using var client = new HttpClient { BaseAddress = new Uri(ready!.Split(' ')[^1]) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LiveServer.Token);
            using var created = await client.PostAsJsonAsync("/v1/episodes", new { task_id = TestWorld.TaskId }, timeout.Token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }
}
