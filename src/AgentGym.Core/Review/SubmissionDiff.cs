using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentGym.Core.Review;

/// <summary>
/// A unified diff (as <see cref="ReviewRequest.Diff"/> holds it) read for review: which lines of each submitted file
/// it shows, and a numbered rendering that spares a model from counting lines from hunk headers.
/// </summary>
public sealed partial class SubmissionDiff
{
    private readonly Dictionary<string, SortedSet<int>> _shown = new(StringComparer.Ordinal);
    private readonly string _numbered;

    private SubmissionDiff(string diff)
    {
        var sb = new StringBuilder();
        string? file = null;
        int next = 0, oldLeft = 0, newLeft = 0;
        var lines = diff.Length == 0 ? [] : diff.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        foreach (var line in lines)
        {
            var marker = line.Length > 0 ? line[0] : ' ';
            var text = line.Length > 0 ? line[1..] : "";
            // Inside a hunk its counts decide, so that a removed line reading "-- x" is not taken for a header.
            if (oldLeft > 0 || newLeft > 0)
            {
                if (marker is ' ' or '+')
                {
                    if (file is not null) _shown[file].Add(next);
                    sb.Append(marker).Append(next.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(" | ").Append(text).Append('\n');
                    next++;
                    newLeft--;
                    if (marker == ' ') oldLeft--;
                    continue;
                }
                if (marker == '-')
                {
                    sb.Append('-').Append(' ', 5).Append(" | ").Append(text).Append('\n');
                    oldLeft--;
                    continue;
                }
            }
            if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                var path = HeaderPath(line[4..]);
                file = path == "/dev/null" ? null : path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;
                if (file is not null && !_shown.ContainsKey(file)) _shown[file] = [];
            }
            else if (HunkHeader().Match(line) is { Success: true } header)
            {
                oldLeft = header.Groups[1].Success ? int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
                next = int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture);
                newLeft = header.Groups[3].Success ? int.Parse(header.Groups[3].Value, CultureInfo.InvariantCulture) : 1;
                // "+0,0" (the file was emptied or deleted) has no new lines.
                if (next == 0) next = 1;
            }
            sb.Append(line).Append('\n');
        }
        _numbered = sb.ToString();
    }

    /// <exception cref="ArgumentNullException">diff is null.</exception>
    public static SubmissionDiff Parse(string diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        return new SubmissionDiff(diff);
    }

    /// <summary>The submitted files the diff covers (deleted files excluded), as relative paths without a/ or b/.</summary>
    public IReadOnlyCollection<string> Files => _shown.Keys;

    /// <summary>
    /// The diff with each context and added line prefixed by its 1-based number in the submitted file:
    /// "+  285 | text", " 284 | text"; removed lines get a blank number: "-      | text". Headers are unchanged.
    /// </summary>
    public string Numbered() => _numbered;

    /// <summary>Whether <paramref name="line"/> of <paramref name="file"/> (a/, b/, ./ and /workspace/ prefixes allowed) is a context or added line of the diff.</summary>
    public bool Shows(string file, int line) => Resolve(file) is { } key && _shown[key].Contains(line);

    /// <summary>Splits cited lines into those the diff shows and the rest (see <see cref="ReviewFinding.RejectedCitations"/>).</summary>
    public (IReadOnlyList<CitedLines> Valid, IReadOnlyList<CitedLines> Rejected) Check(IReadOnlyList<CitedLines> cited)
    {
        ArgumentNullException.ThrowIfNull(cited);
        var valid = new List<CitedLines>();
        var rejected = new List<CitedLines>();
        foreach (var c in cited)
        {
            var file = Resolve(c.File);
            var good = file is null ? [] : c.Lines.Where(l => _shown[file].Contains(l)).Distinct().Order().ToList();
            var bad = c.Lines.Where(l => file is null || !_shown[file].Contains(l)).Distinct().Order().ToList();
            if (good.Count > 0) valid.Add(new CitedLines(file!, good));
            if (bad.Count > 0 || c.Lines.Count == 0) rejected.Add(new CitedLines(c.File, bad));
        }
        return (valid, rejected);
    }

    /// <summary>The diff's name for a cited file: as written, else without one a/, b/, ./ or /workspace/ prefix.</summary>
    private string? Resolve(string cited)
    {
        var p = cited.Trim().Replace('\\', '/');
        if (_shown.ContainsKey(p)) return p;
        foreach (var prefix in new[] { "/workspace/", "a/", "b/", "./" })
            if (p.StartsWith(prefix, StringComparison.Ordinal) && _shown.ContainsKey(p[prefix.Length..])) return p[prefix.Length..];
        return null;
    }

    /// <summary>diff -u may append a tab and a timestamp to a header's path.</summary>
    private static string HeaderPath(string text)
    {
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        return (tab >= 0 ? text[..tab] : text).Trim();
    }

    [GeneratedRegex(@"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")]
    private static partial Regex HunkHeader();
}
