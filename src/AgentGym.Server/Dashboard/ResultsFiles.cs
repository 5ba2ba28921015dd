namespace AgentGym.Server.Dashboard;

/// <summary>
/// The results files the evaluations view may open: the configured files plus every *.sqlite in the configured
/// folders, listed afresh on each request. A page can name only a listed file, never a path of its own.
/// </summary>
internal sealed class ResultsFiles(IReadOnlyList<string> paths)
{
    public sealed record Entry(string Name, string Path);

    public IReadOnlyList<Entry> List()
    {
        var files = new List<string>();
        foreach (var configured in paths.Select(System.IO.Path.GetFullPath))
        {
            if (Directory.Exists(configured)) files.AddRange(Directory.EnumerateFiles(configured, "*.sqlite").Order(StringComparer.Ordinal));
            else if (File.Exists(configured)) files.Add(configured);
        }
        // Names are what URLs carry: the file name, made unique with a counter when two folders share one.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        foreach (var file in files.Distinct(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(file);
            var n = seen[name] = seen.GetValueOrDefault(name) + 1;
            entries.Add(new Entry(n == 1 ? name : $"{name}~{n}", file));
        }
        return entries;
    }

    public Entry? Find(string name) => List().FirstOrDefault(e => e.Name == name);
}
