namespace AgentGym.Sandbox.Docker;

/// <summary>
/// Turns a request's image into a concrete local reference. "agentgym-cpu" (no tag, a recipe in sandbox-images/cpu)
/// becomes agentgym-cpu:&lt;recipe hash&gt; when that image exists, else agentgym-cpu:latest. The sandbox never pulls: a
/// missing image is a setup error that says how to build it.
/// </summary>
internal sealed class ImageResolver(Func<string, CancellationToken, Task<bool>> exists, string? repositoryRoot)
{
    public async Task<string> ResolveAsync(string image, CancellationToken cancellationToken)
    {
        var (name, tag) = Split(image);
        if (tag is null && RecipeName(name) is { } recipe)
        {
            var candidates = new List<string>();
            if (repositoryRoot is not null && SandboxImageRecipes.RecipeDirectory(repositoryRoot, recipe) is { } dir)
                candidates.Add($"{name}:{SandboxImageRecipes.ComputeTag(dir)}");
            candidates.Add($"{name}:latest");
            foreach (var candidate in candidates)
            {
                if (await exists(candidate, cancellationToken).ConfigureAwait(false)) return candidate;
            }
            throw new SandboxSetupException(
                $"Docker image '{name}' not found (looked for {string.Join(", ", candidates)}): build it with `agentgym sandbox build {recipe}`.");
        }
        var reference = tag is null && !image.Contains('@', StringComparison.Ordinal) ? image + ":latest" : image;
        if (await exists(reference, cancellationToken).ConfigureAwait(false)) return reference;
        throw new SandboxSetupException(RecipeName(name) is { } r
            ? $"Docker image '{reference}' not found: build it with `agentgym sandbox build {r}`."
            : $"Docker image '{reference}' not found on the engine; the sandbox does not pull images, so pull or build it first.");
    }

    /// <summary>agentgym-cpu -> cpu; anything with a registry or path, or without the prefix, is no recipe alias.</summary>
    internal static string? RecipeName(string name) =>
        name.StartsWith(SandboxImageRecipes.ImagePrefix, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal)
            && name.Length > SandboxImageRecipes.ImagePrefix.Length
            ? name[SandboxImageRecipes.ImagePrefix.Length..]
            : null;

    /// <summary>Splits name and tag; a colon before the last slash belongs to a registry port, not a tag.</summary>
    internal static (string Name, string? Tag) Split(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var withoutDigest = at >= 0 ? image[..at] : image;
        var colon = withoutDigest.LastIndexOf(':');
        var slash = withoutDigest.LastIndexOf('/');
        if (colon > slash) return (withoutDigest[..colon], withoutDigest[(colon + 1)..]);
        return (withoutDigest, at >= 0 ? image[at..] : null);
    }
}
