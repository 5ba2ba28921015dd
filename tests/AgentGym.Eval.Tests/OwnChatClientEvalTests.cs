using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Tests;
using AgentGym.Core.Tasks;
using AgentGym.Core.Trajectories;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Tests;

/// <summary>The eval runner with a host program's own chat client, registered as a factory.</summary>
public sealed class OwnChatClientEvalTests
{
    [Fact]
    public async Task A_registered_chat_client_factory_gives_each_cell_its_client_and_no_API_key_is_needed()
    {
        using var world = new QuickTask();
        var spec = ExperimentSpecs.Parse("""
            {
              "name": "own-client",
              "tasks": ["test/quick"],
              "hints": ["none"],
              "agents": [ { "kind": "sk", "settings": { "model": { "provider": "openai", "api_key_env": "AGENTGYM_TEST_KEY_THAT_IS_NOT_SET" } } } ],
              "seeds": [4]
            }
            """, world.Root);
        var clients = new List<ScriptedChatClient>();

        var summary = await Evaluations.RunAsync(new EvalOptions
        {
            Spec = spec,
            Tasks = TaskCatalog.Load(world.TasksDirectory),
            ResultsPath = Path.Combine(world.Root, "own.sqlite"),
            Output = new StringWriter(),
            ChatClientFactory = cell =>
            {
                var client = new ScriptedChatClient().Call("list_files", "{}", "l1").Call("submit", "{}", "s1");
                clients.Add(client);
                return AgentChatClient.From(client, $"scripted for seed {cell.Seed}");
            },
        });

        Assert.Equal(1, summary.Done);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(2, Assert.Single(clients).Requests.Count);
        var trajectory = Directory.EnumerateFiles(summary.EpisodesDirectory, "trajectory.jsonl", SearchOption.AllDirectories).Single();
        var steps = TrajectoryReader.Read(trajectory).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(["list_files", "submit"], steps.Select(s => s.ToolCall!.Name));
        var agentJson = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(trajectory)!, "agent.json")))!;
        Assert.Equal("scripted for seed 4", agentJson["model"]!["model"]!.GetValue<string>());
    }
}
