using System.ComponentModel;
using System.Globalization;
using System.Text;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record EditFileArgs(
    [property: Description("File path relative to the workspace root.")] string Path,
    [property: Description("The exact text to replace; it must occur exactly once in the file. Include surrounding lines to make it unique.")] string OldStr,
    [property: Description("The replacement text.")] string NewStr);

internal sealed class EditFileTool : Tool<EditFileArgs>
{
    protected override string Name => ToolNames.EditFile;

    public override string SeeTheRest => "the file itself is whole: read the region with read_file and start_line";

    protected override string Description =>
        "Replace exactly one occurrence of old_str with new_str in a file. With no match it shows the closest lines; with several it lists their line numbers.";

    protected override Task<ToolResult> ExecuteAsync(EditFileArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        if (args.OldStr.Length == 0) throw new ToolFailure("old_str is empty; to add text use insert_lines, to replace a whole file use write_file.");
        var path = context.Workspace.Resolve(args.Path);
        var content = TextFiles.Read(path);

        // Models usually send '\n'; match "\r\n" lines on the same terms, then splice into the original text so that
        // nothing outside the match changes (other lines' endings, the BOM, the final newline).
        var (text, map) = TextSplice.View(content);
        var oldStr = args.OldStr.Replace("\r\n", "\n", StringComparison.Ordinal);
        var newStr = args.NewStr.Replace("\r\n", "\n", StringComparison.Ordinal);

        var positions = Occurrences(text, oldStr);
        if (positions.Count == 0) throw new ToolFailure(NoMatchMessage(path.RelativePath, text, oldStr, context.Limits));
        if (positions.Count > 1)
        {
            var lineNumbers = positions.Select(p => LineOf(text, p)).ToList();
            throw new ToolFailure(
                $"old_str occurs {positions.Count} times in {path.RelativePath} (starting at lines {string.Join(", ", lineNumbers)}); " +
                "no change was made. Include more surrounding lines in old_str so that it matches exactly one place.");
        }

        var at = positions[0];
        context.Workspace.WriteText(path, TextSplice.Replace(content, map[at], map[at + oldStr.Length], newStr));

        var updated = string.Concat(text.AsSpan(0, at), newStr, text.AsSpan(at + oldStr.Length));
        var lines = TextFiles.SplitLines(updated);
        var firstLine = LineOf(updated, at);
        var lastLine = firstLine + Math.Max(0, newStr.Count(c => c == '\n') - (newStr.EndsWith('\n') ? 1 : 0));
        return Task.FromResult(ToolResult.Ok($"Edited {path.RelativePath}. The changed region now reads:\n{Snippet(lines, firstLine, lastLine, context.Limits)}"));
    }

    private static List<int> Occurrences(string text, string value)
    {
        var result = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
            result.Add(i);
        return result;
    }

    private static int LineOf(string text, int index) => 1 + text.AsSpan(0, Math.Min(index, text.Length)).Count('\n');

    /// <summary>
    /// Numbered lines from..to with two lines of context either side; a line longer than read_file shows is cut the
    /// same way, so a small edit next to a huge line cannot make a huge observation.
    /// </summary>
    internal static string Snippet(IReadOnlyList<string> lines, int from, int to, ToolLimits limits, int context = 2)
    {
        var start = Math.Max(1, from - context);
        var end = Math.Min(lines.Count, Math.Max(from, to) + context);
        var sb = new StringBuilder();
        var cut = 0;
        for (var n = start; n <= end; n++)
        {
            var line = ReadFileTool.CutLine(lines[n - 1], limits, ref cut);
            sb.Append(n.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append('\t').Append(line).Append('\n');
        }
        if (cut > 0) sb.Append(CultureInfo.InvariantCulture, $"[{cut} very long line(s) were shortened; read_file with start_line shows the rest of the file, and the full text is in the file.]\n");
        return sb.ToString().TrimEnd('\n');
    }

    private static string NoMatchMessage(string displayPath, string text, string oldStr, ToolLimits limits)
    {
        var fileLines = TextFiles.SplitLines(text);
        var wanted = TextFiles.SplitLines(oldStr);
        while (wanted.Count > 0 && wanted[0].Trim().Length == 0) wanted.RemoveAt(0);
        var sb = new StringBuilder($"old_str was not found in {displayPath}; no change was made.");
        if (wanted.Count == 0) return sb.Append(" old_str holds only whitespace.").ToString();

        // 1. The same lines up to whitespace: the most common near miss (indentation, trailing spaces, tabs).
        var normalizedWanted = wanted.Select(Normalize).ToList();
        for (var i = 0; i + wanted.Count <= fileLines.Count; i++)
        {
            if (Enumerable.Range(0, wanted.Count).All(k => Normalize(fileLines[i + k]) == normalizedWanted[k]))
            {
                sb.Append($" Lines {i + 1}-{i + wanted.Count} match it except for whitespace (indentation, tabs or trailing spaces). The file has:\n")
                  .Append(Snippet(fileLines, i + 1, i + wanted.Count, limits, context: 0))
                  .Append("\nCopy old_str exactly from the file, whitespace included.");
                return sb.ToString();
            }
        }

        // 2. Otherwise the lines most like the first line of old_str.
        var probe = normalizedWanted[0];
        var candidates = fileLines
            .Select((line, index) => (Line: index + 1, Score: Similarity(Normalize(line), probe)))
            .Where(c => c.Score >= 0.5)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Line)
            .Take(3).ToList();
        if (candidates.Count == 0)
            return sb.Append(" No line resembles its first line; read the file again (read_file) to see its current content.").ToString();
        sb.Append($" The closest lines to the first line of old_str ('{Shorten(wanted[0].Trim())}') are:\n");
        var cut = 0;
        foreach (var c in candidates)
            sb.Append(c.Line.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append('\t').Append(ReadFileTool.CutLine(fileLines[c.Line - 1], limits, ref cut)).Append('\n');
        return sb.Append("Read those lines with read_file and copy old_str exactly.").ToString();
    }

    private static string Normalize(string line) => string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "...";

    /// <summary>1 - normalized Levenshtein distance, on at most the first 200 characters.</summary>
    private static double Similarity(string a, string b)
    {
        if (a.Length == 0 && b.Length == 0) return 1;
        a = a.Length > 200 ? a[..200] : a;
        b = b.Length > 200 ? b[..200] : b;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return 1.0 - (double)prev[b.Length] / Math.Max(a.Length, b.Length);
    }
}
