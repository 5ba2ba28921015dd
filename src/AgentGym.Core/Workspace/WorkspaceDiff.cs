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
            var oldLines = oldText is null ? [] : TextSplice.Lines(oldText);
            var newLines = newText is null ? [] : TextSplice.Lines(newText);
            // Line endings are shown only where they are not one style throughout both versions: then a change of
            // ending alone is still a visible change.
            var markCr = !OneStyle(oldLines.Concat(newLines));
            var diff = UnifiedDiff.Create(
                oldBytes is null ? "/dev/null" : $"a/{file}",
                newBytes is null ? "/dev/null" : $"b/{file}",
                oldLines.Select(l => Render(l, markCr)).ToList(),
                newLines.Select(l => Render(l, markCr)).ToList());
            var oldBom = oldBytes is not null && TextFiles.HasBom(oldBytes);
            var newBom = newBytes is not null && TextFiles.HasBom(newBytes);
            if (oldBytes is not null && newBytes is not null && oldBom != newBom)
                diff = (diff.Length > 0 ? diff : $"--- a/{file}\n+++ b/{file}\n") + $"(the UTF-8 byte order mark was {(newBom ? "added" : "removed")})\n";
            sb.Append(diff);
        }
        return sb.ToString();
    }

    /// <summary>Marks a "\r\n" ending with ␍ (when endings are mixed) and a last line without one as diff -u does.</summary>
    private static string Render((string Text, string Ending) line, bool markCr) => line.Ending switch
    {
        "" => line.Text + "\n\\ No newline at end of file",
        "\r\n" when markCr => line.Text + CrMark,
        _ => line.Text,
    };

    /// <summary>The mark shown for a "\r\n" line ending where endings are mixed or changed.</summary>
    public const string CrMark = "\u240D";

    private static bool OneStyle(IEnumerable<(string Text, string Ending)> lines) =>
        lines.Select(l => l.Ending).Where(e => e.Length > 0).Distinct().Count() <= 1;

    private static string? TryText(byte[]? bytes)
    {
        if (bytes is null) return null;
        try { return TextFiles.Decode(bytes, ""); }
        catch (ToolFailure) { return null; }
    }

    private static IEnumerable<string> Files(string root) => Directory.Exists(root)
        ? new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => Path.GetRelativePath(root, f.FullName).Replace('\\', '/'))
        : [];
}
