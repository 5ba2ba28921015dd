namespace AgentGym.Core.Tests;

public sealed class PathSafetyTests
{
    [Theory]
    [InlineData("../secret.txt", "uses '..'")]
    [InlineData("sub/../../secret.txt", "uses '..'")]
    [InlineData("/etc/passwd", "is absolute")]
    [InlineData("~/x", "is absolute")]
    public async Task Paths_that_leave_the_workspace_are_refused(string path, string reason)
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        foreach (var tool in new[] { "read_file", "write_file", "list_files", "undo_edit" })
        {
            var result = await env.StepAsync(tool, tool == "write_file" ? new { path, content = "x" } : new { path });
            Assert.True(result.Observation.IsError, $"{tool} {path}: {result.Observation.Text}");
            Assert.Contains(reason, result.Observation.Text);
        }
        Assert.False(File.Exists(Path.Combine(world.Root, "secret.txt")));
    }

    [Fact]
    public async Task Symlinks_leading_out_are_refused_and_links_inside_are_allowed()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var ws = env.Episode!.WorkspaceDirectory;
        var outside = Path.Combine(world.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "top secret");
        File.CreateSymbolicLink(Path.Combine(ws, "leak.txt"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(ws, "out"), outside);
        File.CreateSymbolicLink(Path.Combine(ws, "alias.py"), "train_gpt.py");

        var read = await env.StepAsync("read_file", new { path = "leak.txt" });
        Assert.True(read.Observation.IsError);
        Assert.Contains("symbolic link", read.Observation.Text);
        Assert.DoesNotContain("top secret", read.Observation.Text);

        var write = await env.StepAsync("write_file", new { path = "out/new.txt", content = "x" });
        Assert.True(write.Observation.IsError);
        Assert.False(File.Exists(Path.Combine(outside, "new.txt")));

        var edit = await env.StepAsync("edit_file", new { path = "leak.txt", old_str = "top", new_str = "no" });
        Assert.True(edit.Observation.IsError);
        Assert.Equal("top secret", File.ReadAllText(Path.Combine(outside, "secret.txt")));

        var inside = await env.StepAsync("read_file", new { path = "alias.py" });
        Assert.False(inside.Observation.IsError, inside.Observation.Text);
        Assert.Contains("import os", inside.Observation.Text);

        var listing = await env.StepAsync("list_files");
        Assert.Contains("out -> ", listing.Observation.Text);
        Assert.DoesNotContain("secret.txt  ", listing.Observation.Text);
    }
}
