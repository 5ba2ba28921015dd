using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentGym.Agents.Scripted;

/// <summary>
/// Applies a unified diff (git diff / diff -u) to text files held in memory. Hunks must match exactly; a hunk whose
/// stated line is off is looked for nearby (like patch's offset, without fuzz). A patch that does not apply is an
/// error naming the file and hunk, never a silently partial result.
/// </summary>
internal static partial class UnifiedPatch
{
    internal sealed record FilePatch(string? OldPath, string? NewPath, IReadOnlyList<Hunk> Hunks)
    {
        public string Path => NewPath ?? OldPath ?? throw new InvalidDataException("A file patch without a path.");
        public bool IsNewFile => OldPath is null;
        public bool IsDeletion => NewPath is null;
    }

    internal sealed record Hunk(int OldStart, IReadOnlyList<string> Old, IReadOnlyList<string> New, string Header);

    public static IReadOnlyList<FilePatch> Parse(string diff)
    {
        var lines = diff.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var files = new List<FilePatch>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("--- ", StringComparison.Ordinal) || i + 1 >= lines.Length || !lines[i + 1].StartsWith("+++ ", StringComparison.Ordinal)) continue;
            var oldPath = CleanPath(lines[i][4..], "a/");
            var newPath = CleanPath(lines[i + 1][4..], "b/");
            i += 2;
            var hunks = new List<Hunk>();
            while (i < lines.Length && lines[i].StartsWith("@@", StringComparison.Ordinal))
            {
                var header = HunkHeader().Match(lines[i]);
                if (!header.Success) throw new InvalidDataException($"Bad hunk header '{lines[i]}'.");
                var oldStart = int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture);
                var oldCount = header.Groups[2].Success ? int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture) : 1;
                var newCount = header.Groups[4].Success ? int.Parse(header.Groups[4].Value, CultureInfo.InvariantCulture) : 1;
                var old = new List<string>();
                var @new = new List<string>();
                var headerText = lines[i];
                i++;
                while (i < lines.Length && (old.Count < oldCount || @new.Count < newCount))
                {
                    var line = lines[i];
                    if (line.StartsWith('\\')) { i++; continue; } // "\ No newline at end of file"
                    var body = line.Length > 0 ? line[1..] : "";
                    switch (line.Length > 0 ? line[0] : ' ')
                    {
                        case ' ': old.Add(body); @new.Add(body); break;
                        case '-': old.Add(body); break;
                        case '+': @new.Add(body); break;
                        default: throw new InvalidDataException($"Unexpected line in hunk '{headerText}': '{line}'.");
                    }
                    i++;
                }
                while (i < lines.Length && lines[i].StartsWith('\\')) i++;
                hunks.Add(new Hunk(oldStart, old, @new, headerText));
            }
            i--;
            files.Add(new FilePatch(oldPath, newPath, hunks));
        }
        if (files.Count == 0) throw new InvalidDataException("The diff holds no file patches (no '--- ' / '+++ ' header pair).");
        return files;
    }

    /// <summary>Applies one file's hunks to its content (null for a new file); returns the new content.</summary>
    public static string Apply(FilePatch patch, string? content)
    {
        var hadFinalNewline = content is null || content.Length == 0 || content.EndsWith('\n');
        var lines = content is null || content.Length == 0 ? new List<string>() : content.TrimEnd('\n').Split('\n').ToList();
        var offset = 0;
        foreach (var hunk in patch.Hunks)
        {
            var expected = Math.Max(0, hunk.OldStart - 1 + offset);
            var at = Locate(lines, hunk.Old, expected)
                ?? throw new InvalidDataException($"{patch.Path}: hunk '{hunk.Header}' does not apply (its context and removed lines are not in the file).");
            lines.RemoveRange(at, hunk.Old.Count);
            lines.InsertRange(at, hunk.New);
            offset += hunk.New.Count - hunk.Old.Count + (at - expected);
        }
        var text = string.Join('\n', lines);
        return lines.Count == 0 ? "" : hadFinalNewline ? text + "\n" : text;
    }

    private static int? Locate(List<string> lines, IReadOnlyList<string> block, int expected)
    {
        if (block.Count == 0) return Math.Min(expected, lines.Count);
        for (var distance = 0; distance <= Math.Max(expected, lines.Count); distance++)
        {
            foreach (var at in new[] { expected - distance, expected + distance })
            {
                if (at < 0 || at + block.Count > lines.Count) continue;
                var match = true;
                for (var k = 0; k < block.Count && match; k++) match = lines[at + k] == block[k];
                if (match) return at;
            }
        }
        return null;
    }

    private static string? CleanPath(string raw, string prefix)
    {
        var path = raw.Split('\t')[0].Trim();
        if (path == "/dev/null") return null;
        return path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;
    }

    [GeneratedRegex(@"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")]
    private static partial Regex HunkHeader();
}
