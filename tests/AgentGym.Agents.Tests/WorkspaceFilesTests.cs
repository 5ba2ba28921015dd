namespace AgentGym.Agents.Tests;

public sealed class WorkspaceFilesTests
{
    private static readonly Dictionary<string, string> Code = new(StringComparer.Ordinal)
    {
        ["helpers.py"] = new string('#', 500),
        ["train_gpt.py"] = "print('train')\n",
        ["README.md"] = "notes",
    };

    [Fact]
    public void The_main_file_is_the_one_the_entry_command_names_not_the_largest()
    {
        Assert.Equal("train_gpt.py", WorkspaceFiles.MainFile(Code, ["python3", "train_gpt.py"]));
    }

    [Fact]
    public void Without_a_named_file_the_largest_python_file_is_the_main_one()
    {
        Assert.Equal("helpers.py", WorkspaceFiles.MainFile(Code, ["torchrun", "--nproc_per_node=8", "other.py"]));
        Assert.Equal("helpers.py", WorkspaceFiles.MainFile(Code, []));
    }
}
