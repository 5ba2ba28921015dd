using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentGym.Eval.Tests;

/// <summary>The agentgym CLI as a child process, for the tests that drive eval end to end (Docker here, Slurm too).</summary>
internal static class Cli
{
    /// <param name="interruptible">
    /// Start the CLI with SIGINT at its default disposition. A test run started in the background by a shell without job
    /// control inherits SIGINT ignored, and an ignored signal stays ignored across exec; perl (Debian's perl-base is
    /// essential) resets it and execs the CLI under the same pid.
    /// </param>
    public static ProcessStartInfo StartInfo(QuickTask world, IEnumerable<string> args, bool interruptible = false)
    {
        var info = new ProcessStartInfo(interruptible ? "perl" : "dotnet") { WorkingDirectory = world.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        if (interruptible)
            foreach (var a in (string[])["-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\";", "dotnet"]) info.ArgumentList.Add(a);
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agentgym.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = Path.Combine(world.Root, "home");
        return info;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(QuickTask world, TimeSpan limit, params string[] args)
    {
        using var process = Process.Start(StartInfo(world, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"agentgym {string.Join(' ', args)} ran past {limit}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Reads eval's --json event lines until <paramref name="done"/> says so (at most <paramref name="limit"/>, 4 minutes unless given).</summary>
    public static async Task ReadEventsUntilAsync(Process process, Task<string> stderr, Func<string?, bool> done, TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(4));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("eval ended early: " + await stderr);
            if (line.StartsWith('{') && done(JsonNode.Parse(line)!["event"]?.GetValue<string>())) return;
        }
    }

    public static async Task<string> DockerAsync(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("docker", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
