using System.CommandLine;
using AgentGym.Cli.Commands;

namespace AgentGym.Cli.Tests;

public sealed class SandboxCommandsTests
{
    private static ParseResult Parse(string line)
    {
        var root = new RootCommand { SandboxCommands.Create() };
        return root.Parse(line);
    }

    [Fact]
    public void Build_takes_one_recipe_name()
    {
        Assert.Empty(Parse("sandbox build cpu").Errors);
        Assert.NotEmpty(Parse("sandbox build").Errors);
    }

    [Fact]
    public void Check_takes_json_and_image_options()
    {
        var result = Parse("sandbox check --json --image agentgym-cpu:latest");
        Assert.Empty(result.Errors);
        Assert.Equal("check", result.CommandResult.Command.Name);
        Assert.NotEmpty(Parse("sandbox check extra").Errors);
    }
}
