using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>Compares protected files or marked regions of a submission with the task's starting files.</summary>
internal static class ProtectedContent
{
    public sealed record RegionResult(string File, string? StartMarker, bool Unchanged, string Detail);

    public static IReadOnlyList<RegionResult> Check(IReadOnlyList<ProtectedRegion> regions, string startDirectory, string codeDirectory)
    {
        var results = new List<RegionResult>();
        foreach (var region in regions)
        {
            var startPath = Path.Combine(startDirectory, region.File);
            var codePath = Path.Combine(codeDirectory, region.File);
            if (!File.Exists(startPath))
            {
                // A task error, not the agent's: say so rather than pass or blame the submission silently.
                results.Add(new RegionResult(region.File, region.StartMarker, false, "the starting files have no such file (task manifest error)"));
                continue;
            }
            if (!File.Exists(codePath))
            {
                results.Add(new RegionResult(region.File, region.StartMarker, false, "the file was deleted or renamed"));
                continue;
            }
            // Bytes as they are: a changed line ending or byte-order mark in a protected region is a change.
            var start = Exact(startPath);
            var code = Exact(codePath);
            if (region.StartMarker is null && region.EndMarker is null)
            {
                var same = start == code;
                results.Add(new RegionResult(region.File, null, same, same ? "unchanged" : $"the file changed (first difference at line {FirstDifference(start, code)})"));
                continue;
            }
            var expected = Extract(start, region, out var startError);
            if (expected is null)
            {
                results.Add(new RegionResult(region.File, region.StartMarker, false, $"starting file: {startError} (task manifest error)"));
                continue;
            }
            var actual = Extract(code, region, out var codeError);
            if (actual is null)
            {
                results.Add(new RegionResult(region.File, region.StartMarker, false, codeError!));
                continue;
            }
            var unchanged = expected == actual;
            results.Add(new RegionResult(region.File, region.StartMarker, unchanged,
                unchanged ? "unchanged" : $"the region changed (first difference at its line {FirstDifference(expected, actual)})"));
        }
        return results;
    }

    /// <summary>The lines from the one line holding StartMarker to the next line holding EndMarker, both included.</summary>
    private static string? Extract(string text, ProtectedRegion region, out string? error)
    {
        var lines = text.Split('\n');
        error = null;
        var startAt = 0;
        if (region.StartMarker is { } startMarker)
        {
            var hits = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(startMarker, StringComparison.Ordinal)).ToList();
            if (hits.Count != 1)
            {
                error = hits.Count == 0 ? $"the start marker '{startMarker}' is missing" : $"the start marker '{startMarker}' appears {hits.Count} times";
                return null;
            }
            startAt = hits[0];
        }
        var endAt = lines.Length - 1;
        if (region.EndMarker is { } endMarker)
        {
            var end = Array.FindIndex(lines, startAt + (region.StartMarker is null ? 0 : 1), l => l.Contains(endMarker, StringComparison.Ordinal));
            if (end < 0)
            {
                error = $"the end marker '{endMarker}' is missing";
                return null;
            }
            endAt = end;
        }
        return string.Join('\n', lines[startAt..(endAt + 1)]);
    }

    private static string Exact(string path) => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path));

    private static int FirstDifference(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        var i = 0;
        while (i < x.Length && i < y.Length && x[i] == y[i]) i++;
        return i + 1;
    }
}
