using System.Security.Cryptography;

namespace AgentGym.Sandbox;

/// <summary>
/// The image recipes under sandbox-images/&lt;name&gt;/ (build.sh + packages.txt). An image is tagged with the first 12
/// hex digits of sha256(build.sh || packages.txt), so a tag names exactly one recipe; agentgym-&lt;name&gt; without a
/// tag means "the image of the recipe in this checkout".
/// </summary>
public static class SandboxImageRecipes
{
    public const string ImagePrefix = "agentgym-";

    /// <summary>Walks up from <paramref name="start"/> (default: the current directory) to the folder holding AgentGym.sln.</summary>
    public static string? FindRepositoryRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentGym.sln"))) return dir.FullName;
        }
        return null;
    }

    /// <summary>sandbox-images/&lt;recipe&gt; under the root, or null when there is no such recipe.</summary>
    public static string? RecipeDirectory(string repositoryRoot, string recipe)
    {
        var dir = Path.Combine(repositoryRoot, "sandbox-images", recipe);
        return File.Exists(Path.Combine(dir, "build.sh")) ? dir : null;
    }

    /// <summary>The recipe's tag: first 12 hex digits of sha256 over build.sh then packages.txt (when present), as build.sh computes it.</summary>
    public static string ComputeTag(string recipeDirectory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in new[] { "build.sh", "packages.txt" })
        {
            var path = Path.Combine(recipeDirectory, name);
            if (File.Exists(path)) hash.AppendData(File.ReadAllBytes(path));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
