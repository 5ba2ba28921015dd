using System.Text;

namespace AgentGym.Core.Workspace;

/// <summary>The unified diff of a workspace against the starting files, file by file.</summary>
public static class WorkspaceDiff
{
    /// <summary>The unified diff (git style, a/ and b/ names) of every file that differs; binary files get one line. Throws IOException when a file cannot be read.</summary>
    public static string Create(string startDirectory, string workspaceDirectory, string relativeScope = ".")
    {
        var files = Files(startDirectory).Union(Files(workspaceDirectory), StringComparer.Ordinal)
            .Where(f => relativeScope == "." || f == relativeScope || f.StartsWith(relativeScope + "/", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var file in files)
        {
            var before = Path.Combine(startDirectory, file);
            var after = Path.Combine(workspaceDirectory, file);
            var oldBytes = File.Exists(before) ? File.ReadAllBytes(before) : null;
            var newBytes = File.Exists(after) ? File.ReadAllBytes(after) : null;
            if (oldBytes is not null && newBytes is not null && oldBytes.AsSpan().SequenceEqual(newBytes)) continue;
            var oldText = TryText(oldBytes);
            var newText = TryText(newBytes);
            if ((oldBytes is not null && oldText is null) || (newBytes is not null && newText is null))
            {
                sb.Append($"Binary files a/{file} and b/{file} differ\n");
                continue;
            }
            sb.Append(UnifiedDiff.Create(
                oldBytes is null ? "/dev/null" : $"a/{file}",
                newBytes is null ? "/dev/null" : $"b/{file}",
                oldText is null ? [] : TextFiles.SplitLines(oldText),
                newText is null ? [] : TextFiles.SplitLines(newText)));
        }
        return sb.ToString();
    }

    private static string? TryText(byte[]? bytes)
    {
        if (bytes is null) return null;
        try { return TextFiles.Decode(bytes, ""); }
        catch (Tools.ToolFailure) { return null; }
    }

    private static IEnumerable<string> Files(string root) => Directory.Exists(root)
        ? new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => Path.GetRelativePath(root, f.FullName).Replace('\\', '/'))
        : [];
}
