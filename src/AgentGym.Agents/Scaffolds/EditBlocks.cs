namespace AgentGym.Agents.Scaffolds;

/// <summary>One change the model proposed: replace Search with Replace in Path, or (Search null) write the whole file.</summary>
internal sealed record EditBlock(string Path, string? Search, string Replace)
{
    public bool IsWholeFile => Search is null;
}

/// <summary>
/// Reads the edit blocks out of a model's answer:
/// <c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; SEARCH path</c> ... <c>=======</c> ... <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; REPLACE</c> and
/// <c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; FILE path</c> ... <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; END</c>. The path may also stand on
/// the line before the marker (aider's style); without one the main file is meant.
/// </summary>
internal static class EditBlocks
{
    public static (IReadOnlyList<EditBlock> Blocks, IReadOnlyList<string> Problems) Parse(string? text, string mainFile, IReadOnlyCollection<string> knownFiles)
    {
        var blocks = new List<EditBlock>();
        var problems = new List<string>();
        if (string.IsNullOrEmpty(text)) return (blocks, ["The answer is empty."]);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            var isSearch = line.StartsWith("<<<<<<< SEARCH", StringComparison.Ordinal);
            var isFile = line.StartsWith("<<<<<<< FILE", StringComparison.Ordinal);
            if (!isSearch && !isFile) continue;
            var path = line[(isSearch ? "<<<<<<< SEARCH" : "<<<<<<< FILE").Length..].Trim();
            if (path.Length == 0) path = PathAbove(lines, i, knownFiles) ?? mainFile;
            var start = i + 1;
            if (isSearch)
            {
                var divider = Find(lines, start, l => l.TrimEnd() == "=======");
                var end = divider < 0 ? -1 : Find(lines, divider + 1, l => l.TrimEnd().StartsWith(">>>>>>> REPLACE", StringComparison.Ordinal));
                if (divider < 0 || end < 0)
                {
                    problems.Add($"The SEARCH block starting at line {i + 1} of your answer is not closed by '=======' and '>>>>>>> REPLACE'.");
                    break;
                }
                blocks.Add(new EditBlock(path, Join(lines, start, divider), Join(lines, divider + 1, end)));
                i = end;
            }
            else
            {
                var end = Find(lines, start, l => l.TrimEnd().StartsWith(">>>>>>> END", StringComparison.Ordinal));
                if (end < 0)
                {
                    problems.Add($"The FILE block starting at line {i + 1} of your answer is not closed by '>>>>>>> END'.");
                    break;
                }
                var content = Join(lines, start, end);
                blocks.Add(new EditBlock(path, null, content.Length == 0 ? "" : content + "\n"));
                i = end;
            }
        }
        if (blocks.Count == 0 && problems.Count == 0)
            problems.Add("No edit blocks were found. Use <<<<<<< SEARCH path / ======= / >>>>>>> REPLACE, or <<<<<<< FILE path / >>>>>>> END.");
        return (blocks, problems);
    }

    private static int Find(string[] lines, int from, Func<string, bool> predicate)
    {
        for (var k = from; k < lines.Length; k++) if (predicate(lines[k])) return k;
        return -1;
    }

    private static string Join(string[] lines, int from, int to) => string.Join('\n', lines[from..to]);

    /// <summary>A known file named alone on the nearest non-empty line above the marker (skipping a code fence).</summary>
    private static string? PathAbove(string[] lines, int index, IReadOnlyCollection<string> knownFiles)
    {
        for (var k = index - 1; k >= 0 && k >= index - 3; k--)
        {
            var raw = lines[k].Trim();
            if (raw.Length == 0 || raw.StartsWith("```", StringComparison.Ordinal)) continue;
            var candidate = raw.Trim('`', '*', ':').Trim();
            return knownFiles.Contains(candidate) ? candidate : null;
        }
        return null;
    }
}
