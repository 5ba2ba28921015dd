using System.Text;

namespace AgentGym.Agents;

/// <summary>
/// Reads the episode workspace from disk. Agents look (as a researcher looks at a screen) but change files only
/// through the environment's tools, so every change is a recorded step.
/// </summary>
internal static class WorkspaceFiles
{
    private const long MaxTextBytes = 512 * 1024;

    /// <summary>The UTF-8 text files of the workspace (or just the given ones, when they exist), by relative path.</summary>
    public static IReadOnlyDictionary<string, string> ReadTextFiles(string root, IEnumerable<string>? only = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var paths = only?.Select(p => Path.Combine(root, p))
            ?? Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint });
        foreach (var full in paths)
        {
            var info = new FileInfo(full);
            if (!info.Exists || info.Length > MaxTextBytes || info.LinkTarget is not null) continue;
            var bytes = File.ReadAllBytes(full);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0)) continue;
            string text;
            try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
            catch (DecoderFallbackException) { continue; }
            result[Path.GetRelativePath(root, full).Replace('\\', '/')] = text;
        }
        return result;
    }

    /// <summary>The file the task runs: the first workspace file its entry command names, else the largest .py file.</summary>
    public static string MainFile(IReadOnlyDictionary<string, string> code, IReadOnlyList<string> entryCommand)
    {
        var list = code.Keys.ToList();
        var named = list.FirstOrDefault(f => entryCommand.Contains(f, StringComparer.Ordinal));
        if (named is not null) return named;
        return list.Where(f => f.EndsWith(".py", StringComparison.Ordinal)).OrderByDescending(f => code[f].Length).FirstOrDefault()
            ?? list.FirstOrDefault() ?? "train_gpt.py";
    }
}
