using System.Text.RegularExpressions;
using AgentGym.Core.Gym;

namespace AgentGym.Agents.Prompts;

/// <summary>
/// Prompt templates by relative name (e.g. "system.md", "hints/L1+L2.md"): a file in the override folder wins, else
/// the default compiled from the repository's prompts/ folder.
/// </summary>
internal sealed partial class PromptLibrary
{
    private readonly string? _overrideDirectory;

    public PromptLibrary(string? overrideDirectory)
    {
        if (overrideDirectory is not null && !Directory.Exists(overrideDirectory))
            throw new DirectoryNotFoundException($"The prompts folder '{overrideDirectory}' does not exist.");
        _overrideDirectory = overrideDirectory is null ? null : Path.GetFullPath(overrideDirectory);
    }

    public static PromptLibrary Default { get; } = new(null);

    /// <summary>Where a template came from: the override file's path, or "default".</summary>
    public string SourceOf(string name) => OverridePath(name) is { } path ? path : "default";

    public string Get(string name)
    {
        if (OverridePath(name) is { } path) return File.ReadAllText(path);
        using var stream = typeof(PromptLibrary).Assembly.GetManifestResourceStream("prompts/" + name)
            ?? throw new FileNotFoundException($"No prompt template '{name}' (neither in the prompts folder nor built in).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Fills {{name}} placeholders. A placeholder without a value is an error: a typo must not reach the model.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string> values)
    {
        var template = Get(name);
        var missing = Placeholder().Matches(template).Select(m => m.Groups[1].Value).Where(v => !values.ContainsKey(v)).Distinct().ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"Prompt template '{name}' ({SourceOf(name)}) uses unknown placeholder(s) {string.Join(", ", missing.Select(m => "{{" + m + "}}"))}; known: {string.Join(", ", values.Keys)}.");
        return Placeholder().Replace(template, m => values[m.Groups[1].Value]).Trim();
    }

    /// <summary>What to say about the hints of a regime (hints/none.md, hints/L1+L2.md, ...).</summary>
    public string HintGuidance(HintRegime regime)
    {
        var name = $"hints/{HintRegimes.Format(regime)}.md";
        if (Exists(name)) return Get(name).Trim();
        // A regime outside the benchmark's six (e.g. L2+L3): say what each of its levels is.
        return string.Join(' ', new[] { HintRegime.L1, HintRegime.L2, HintRegime.L3 }.Where(l => regime.HasFlag(l)).Select(l => Get($"hints/{l}.md").Trim()));
    }

    private bool Exists(string name) =>
        OverridePath(name) is not null || typeof(PromptLibrary).Assembly.GetManifestResourceInfo("prompts/" + name) is not null;

    private string? OverridePath(string name)
    {
        if (_overrideDirectory is null) return null;
        var path = Path.GetFullPath(Path.Combine(_overrideDirectory, name));
        return path.StartsWith(_overrideDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(path) ? path : null;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();
}
