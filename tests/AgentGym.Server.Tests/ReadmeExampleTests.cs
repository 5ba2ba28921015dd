using System.ComponentModel;
using System.Diagnostics;
using AgentGym.Tests.Shared;

namespace AgentGym.Server.Tests;

/// <summary>Runs the README's Python example (standard library only) against a live server, so the docs stay true.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_python_loop_in_the_readme_completes_an_episode_against_a_live_server()
    {
        var sandbox = new ScriptedSandbox(
        [
            "step:1/2 train_loss:4.0000 train_time:100ms step_avg:100.00ms",
            "step:2/2 train_loss:3.0000 train_time:200ms step_avg:100.00ms",
            "step:2/2 val_loss:1.9000 train_time:200ms step_avg:100.00ms",
        ]);
        await using var live = await LiveServer.StartAsync(sandbox);
        var script = Path.Combine(live.World.Root, "readme_example.py");
        File.WriteAllText(script, ExtractExample());

        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        info.Environment["AGENTGYM_URL"] = live.BaseAddress.ToString();
        info.Environment["AGENTGYM_SERVER_TOKEN"] = LiveServer.Token;
        info.Environment["AGENTGYM_TASK"] = TestWorld.TaskId;
        info.Environment["AGENTGYM_SCRIPT"] = "train_gpt.py";
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("This test needs python3 on PATH (any 3.x; standard library only).", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"python3 exited {process.ExitCode}\n{output}\n{await stderr}");
            Assert.Contains("tools: list_files, read_file", output);
            Assert.Contains("lr = 1e-3", output);
            Assert.Contains("metric {'step': 2", output);
            Assert.Contains("run ended: succeeded", output);
            Assert.Contains("terminated True", output);
        }
        Assert.Empty((await live.Client.GetStringAsync("/v1/episodes")).Replace("{\"episodes\":[]}", ""));
    }

    private static string ExtractExample()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "AgentGym.Server", "README.md"));
        const string start = "```python\n# agentgym-readme-example\n";
        var from = readme.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, "The README lost its marked Python example.");
        from += "```python\n".Length;
        var to = readme.IndexOf("\n```", from, StringComparison.Ordinal);
        return readme[from..to] + "\n";
    }
}
