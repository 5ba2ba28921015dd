
namespace AgentGym.Core.Workspace;

/// <summary>
/// Turns an agent-supplied path into a path inside the workspace, or refuses it with a message the agent can act on.
/// Refuses absolute paths, '..' segments, and symbolic links whose target is outside the workspace.
/// </summary>
internal sealed class WorkspacePaths
{
    public WorkspacePaths(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public string Root { get; }

    /// <summary>Resolves a relative path; null or empty means the workspace root.</summary>
    public ResolvedPath Resolve(string? path)
    {
        var text = (path ?? "").Trim();
        if (text.Length == 0 || text == ".") return new ResolvedPath(Root, ".");
        if (text.Contains('\0')) throw new ToolFailure("Path contains a NUL character.");
        if (Path.IsPathRooted(text) || text.StartsWith('~'))
            throw new ToolFailure($"Path '{text}' is absolute; use a path relative to the workspace root, such as 'train_gpt.py'.");
        var segments = text.Split('/', '\\');
        if (segments.Contains(".."))
            throw new ToolFailure($"Path '{text}' uses '..'; paths must stay inside the workspace.");

        var relative = string.Join('/', segments.Where(s => s.Length > 0 && s != "."));
        if (relative.Length == 0) return new ResolvedPath(Root, ".");
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!IsInside(full)) throw new ToolFailure($"Path '{text}' leaves the workspace.");

        // Every existing component must be a real entry or a link that lands inside the workspace.
        var current = Root;
        foreach (var segment in relative.Split('/'))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (!info.Exists && info.LinkTarget is null) break;
            if (info.LinkTarget is null) continue;
            var target = SafeResolveLink(info);
            if (target is null || !IsInside(Path.GetFullPath(target)))
                throw new ToolFailure($"Path '{text}' goes through the symbolic link '{Relative(current)}', which leads outside the workspace.");
        }
        return new ResolvedPath(full, relative);
    }

    public string Relative(string fullPath)
    {
        var rel = Path.GetRelativePath(Root, fullPath).Replace('\\', '/');
        return rel == "." ? "." : rel;
    }

    public bool IsInside(string fullPath) =>
        fullPath == Root || fullPath.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string? SafeResolveLink(FileSystemInfo info)
    {
        try
        {
            var final = info.ResolveLinkTarget(returnFinalTarget: true);
            if (final is not null) return final.FullName;
            // A dangling link: judge it by its literal target.
            var target = info.LinkTarget!;
            return Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(info.FullName)!, target);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

internal readonly record struct ResolvedPath(string FullPath, string RelativePath);
