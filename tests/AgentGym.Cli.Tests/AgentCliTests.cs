using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentGym.Cli.Tests;

/// <summary>`agentgym episode` with the agents of AgentGym.Agents: names, model options, and no key in any output.</summary>
public sealed class AgentCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentgym-agent-cli-tests", Guid.NewGuid().ToString("N"));

    public AgentCliTests()
    {
        var task = Path.Combine(_root, "tasks", "demo", "one");
        Directory.CreateDirectory(Path.Combine(task, "start"));
        File.WriteAllText(Path.Combine(task, "start", "train.py"), "lr = 1e-3\nprint('hi')\n");
        File.WriteAllText(Path.Combine(task, "task.json"), """
        {
          "id": "demo/one", "title": "Demo", "description": "A demo task.",
          "starting_files": ["start"], "entry_command": ["python3", "train.py"],
          "sandbox": {"image": "agentgym-cpu"}, "resources": {"cpus": 1, "memory_mb": 512},
          "data": {"val_tokens": 100}, "target_val_loss": 1.5,
          "baseline_time": {"mean_ms": 60000}, "record_time": {"mean_ms": 50000},
          "verification": {"mode": "log"}, "time_limit_seconds": 120
        }
        """);
    }

    private Dictionary<string, string> Env => new()
    {
        ["AGENTGYM_TASKS"] = Path.Combine(_root, "tasks"),
        ["AGENTGYM_HOME"] = Path.Combine(_root, "home"),
        ["OPENAI_API_KEY"] = "",
        ["AGENTGYM_API_KEY"] = "",
    };

    [Fact]
    public async Task Noop_runs_an_episode_to_submission_without_a_model()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "noop", "--sandbox", "none", "--json");
        Assert.True(code == 0, stderr);
        var summary = JsonNode.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!["summary"]!;
        Assert.Equal("noop", summary["agent"]!.GetValue<string>());
        Assert.True(summary["terminated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_llm_agent_without_a_key_fails_before_the_episode_naming_the_variables()
    {
        var (code, _, stderr) = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "sk", "--sandbox", "none");
        Assert.Equal(1, code);
        Assert.Contains("AGENTGYM_API_KEY", stderr);
        Assert.False(Directory.Exists(Path.Combine(_root, "home", "episodes")));
    }

    [Fact]
    public async Task The_sk_agent_talks_to_the_endpoint_with_the_key_from_the_named_variable_and_never_prints_it()
    {
        const string key = "sk-cli-test-SECRET-91b2";
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? authorization = null;
        JsonNode? request = null;
        var serve = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            authorization = context.Request.Headers["Authorization"];
            using (var reader = new StreamReader(context.Request.InputStream)) request = JsonNode.Parse(await reader.ReadToEndAsync());
            var body = Encoding.UTF8.GetBytes("""
                {"id":"c1","object":"chat.completion","created":1700000000,"model":"m",
                 "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
                   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"submit","arguments":"{}"}}]}}],
                 "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}
                """);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var env = Env;
        env["MY_MODEL_KEY"] = key;

        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, env, "episode", "--task", "demo/one", "--agent", "sk", "--sandbox", "none",
            "--endpoint", $"http://127.0.0.1:{port}/v1", "--model", "local-model", "--api-key-env", "MY_MODEL_KEY",
            "--temperature", "0.3", "--reasoning-effort", "low", "--json");
        await serve;

        Assert.True(code == 0, stderr);
        Assert.Equal("Bearer " + key, authorization);
        Assert.Equal("local-model", request!["model"]!.GetValue<string>());
        Assert.Equal("low", request["reasoning_effort"]!.GetValue<string>());
        var summary = JsonNode.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!["summary"]!;
        Assert.True(summary["terminated"]!.GetValue<bool>());
        Assert.DoesNotContain(key, stdout + stderr);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "home"), "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(key, File.ReadAllText(file));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
