using System.Diagnostics;

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
}
