using System.Diagnostics;

namespace AgentGym.Sandbox.Tests;

/// <summary>The CUDA image recipe as far as it can be checked without building it (CI never builds it: ~2.4 GB).</summary>
public sealed class CudaRecipeTests
{
    private static string RecipeDirectory
    {
        get
        {
            var root = SandboxImageRecipes.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("no AgentGym.sln above the tests");
            return SandboxImageRecipes.RecipeDirectory(root, "cuda") ?? throw new InvalidOperationException("no sandbox-images/cuda/build.sh");
        }
    }

    [Fact]
    public async Task Build_sh_prints_the_tag_the_sandbox_resolves()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RecipeDirectory, "build.sh"), "--print-tag"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal($"agentgym-cuda:{SandboxImageRecipes.ComputeTag(RecipeDirectory)}", stdout.Trim());
    }

    [Fact]
    public void The_recipe_installs_debian_cuda_torch_from_contrib_and_non_free()
    {
        var packages = File.ReadAllLines(Path.Combine(RecipeDirectory, "packages.txt")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(["python3", "python3-numpy", "python3-torch-cuda", "libopenblas0-pthread"], packages);
        var script = File.ReadAllText(Path.Combine(RecipeDirectory, "build.sh"));
        Assert.Contains("COMPONENTS=\"main,contrib,non-free\"", script, StringComparison.Ordinal);
        Assert.Contains("SUITE=\"trixie\"", script, StringComparison.Ordinal);
        // The alternative for hosts that reach a registry stays beside it.
        Assert.Contains("FROM pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime", File.ReadAllText(Path.Combine(RecipeDirectory, "Dockerfile")), StringComparison.Ordinal);
    }
}
