using AgentGym.Agents.Llm;
using AgentGym.Core.Gym;

namespace AgentGym.Agents.Tests;

public sealed class SecretTests
{
    [Fact]
    public async Task The_api_key_never_appears_in_the_trajectory_or_any_file_of_the_episode()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("read_file", """{"path":"train_gpt.py"}"""));
        world.Server.Text("Thinking.");
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, new ResetOptions { TaskId = AgentTestWorld.TaskId });

        Assert.True(outcome.Terminated);
        // The key did reach the server (so it was really in use) ...
        Assert.Contains(world.Server.Requests, r => r.Headers["Authorization"].Contains(AgentTestWorld.ApiKey, StringComparison.Ordinal));
        // ... and no file of the episode holds it: trajectory, agent.json, episode.json, runs.
        var files = world.EpisodeFiles().ToList();
        Assert.Contains(files, f => f.Path.EndsWith("trajectory.jsonl", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Path.EndsWith("agent.json", StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain(AgentTestWorld.ApiKey, f.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_scaffold_episode_leaves_no_key_behind_either()
    {
        await using var world = new AgentTestWorld();
        world.Server.Text("<<<<<<< SEARCH\n# time_ms: 1000\n=======\n# time_ms: 900\n>>>>>>> REPLACE");
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new Scaffolds.ScaffoldOptions { MaxNodes = 1 } };

        await world.Agent("tree", settings).RunAsync(env, new ResetOptions { TaskId = AgentTestWorld.TaskId });

        // The key was in use, and the episode wrote files to search: an empty folder would prove nothing.
        Assert.Contains(world.Server.Requests, r => r.Headers["Authorization"].Contains(AgentTestWorld.ApiKey, StringComparison.Ordinal));
        var files = world.EpisodeFiles().ToList();
        Assert.Contains(files, f => f.Path.EndsWith("trajectory.jsonl", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Path.EndsWith("agent.json", StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain(AgentTestWorld.ApiKey, f.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_print_and_describe_without_the_key()
    {
        var options = new ModelOptions { ApiKey = AgentTestWorld.ApiKey, Endpoint = new Uri("https://user:pw@example.test/v1?key=abc") };
        Assert.DoesNotContain(AgentTestWorld.ApiKey, options.ToString(), StringComparison.Ordinal);
        var described = options.Describe().ToJsonString();
        Assert.DoesNotContain(AgentTestWorld.ApiKey, described, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", described, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_come_from_the_option_a_file_or_the_environment_in_that_order()
    {
        var env = new Dictionary<string, string> { ["OPENAI_API_KEY"] = "from-openai", ["AGENTGYM_API_KEY"] = "from-gym", ["MY_KEY"] = "from-mine" };
        string? Lookup(string name) => env.GetValueOrDefault(name);
        Assert.Equal("explicit", ApiKeys.Resolve(new ModelOptions { ApiKey = "explicit" }, Lookup));
        Assert.Equal("from-mine", ApiKeys.Resolve(new ModelOptions { ApiKeyEnvironmentVariable = "MY_KEY" }, Lookup));
        Assert.Equal("from-gym", ApiKeys.Resolve(new ModelOptions(), Lookup));
        env.Remove("AGENTGYM_API_KEY");
        Assert.Equal("from-openai", ApiKeys.Resolve(new ModelOptions(), Lookup));
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{"api_key": "from-file"}""");
            Assert.Equal("from-file", ApiKeys.Resolve(new ModelOptions { ApiKeyFile = file }, Lookup));
        }
        finally { File.Delete(file); }
        var missing = Assert.Throws<InvalidOperationException>(() => ApiKeys.Resolve(new ModelOptions { ApiKeyEnvironmentVariable = "NOPE" }, Lookup));
        Assert.Contains("NOPE", missing.Message, StringComparison.Ordinal);
        Assert.Equal("no-key", ApiKeys.Resolve(new ModelOptions { Provider = ModelProvider.OpenAICompatible }, _ => null));
        Assert.Throws<InvalidOperationException>(() => ApiKeys.Resolve(new ModelOptions(), _ => null));
    }

    [Fact]
    public void A_config_file_loads_with_snake_case_keys_and_relative_paths_and_its_errors_do_not_quote_values()
    {
        var dir = Path.Combine(Path.GetTempPath(), "agentgym-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "agent.json");
            File.WriteAllText(path, """
                { "model": { "provider": "azure", "model": "gpt-4o-deploy", "endpoint": "https://res.openai.azure.com/", "api_key_file": "key.txt",
                             "temperature": 0.5, "reasoning_effort": "low", "max_retries": 2 },
                  "prompts_dir": "prompts", "scaffold": { "max_nodes": 7 }, "chat": { "max_turns": 9 } }
                """);
            var settings = AgentSettings.Load(path);
            Assert.Equal(ModelProvider.Azure, settings.Model.Provider);
            Assert.Equal(Path.Combine(dir, "key.txt"), settings.Model.ApiKeyFile);
            Assert.Equal(Path.Combine(dir, "prompts"), settings.PromptsDir);
            Assert.Equal(7, settings.Scaffold.MaxNodes);
            Assert.Equal(9, settings.Chat.MaxTurns);
            Assert.Equal("low", settings.Model.ReasoningEffort);
            Assert.Equal(new Uri("https://res.openai.azure.com/openai/v1/"), OpenAIConnection.Endpoint(settings.Model));

            File.WriteAllText(path, """{ "model": { "api_key": "sk-secret-value", "temperature": "hot" } }""");
            var error = Assert.Throws<AgentGym.Core.Json.ConfigException>(() => AgentSettings.Load(path));
            Assert.DoesNotContain("sk-secret-value", error.Message, StringComparison.Ordinal);
            Assert.Equal("model.temperature", error.Field);

            // Strict reading names an unknown key next to a key, never the key's value.
            File.WriteAllText(path, """{ "model": { "api_key": "sk-secret-value", "api_kee": "sk-secret-value" } }""");
            var unknown = Assert.Throws<AgentGym.Core.Json.ConfigException>(() => AgentSettings.Load(path));
            Assert.DoesNotContain("sk-secret-value", unknown.Message, StringComparison.Ordinal);
            Assert.Equal("model.api_kee", unknown.Field);
            Assert.Contains("did you mean 'api_key'?", unknown.Reason, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
    [Theory]
    [InlineData("openai-compatible", ModelProvider.OpenAICompatible)]
    [InlineData("vllm", ModelProvider.OpenAICompatible)]
    [InlineData("openai", ModelProvider.OpenAI)]
    [InlineData("Azure", ModelProvider.Azure)]
    public void A_config_file_takes_the_provider_names_the_cli_takes_and_writes_them_back_the_same_way(string name, ModelProvider expected)
    {
        var path = Path.Combine(Path.GetTempPath(), "agentgym-provider-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            File.WriteAllText(path, $$"""{ "model": { "provider": "{{name}}", "endpoint": "http://127.0.0.1:1/v1" } }""");
            var settings = AgentSettings.Load(path);
            Assert.Equal(expected, settings.Model.Provider);
            var written = System.Text.Json.JsonSerializer.Serialize(settings, AgentGym.Core.Json.JsonDefaults.Options);
            Assert.Contains($"\"provider\":\"{ModelProviders.Format(expected)}\"", written, StringComparison.Ordinal);
        }
        finally { File.Delete(path); }
    }
}
