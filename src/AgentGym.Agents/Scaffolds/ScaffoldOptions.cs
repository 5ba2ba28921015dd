namespace AgentGym.Agents.Scaffolds;

/// <summary>The search scaffolds of the Automated LLM Speedrunning Benchmark (arXiv 2506.22419).</summary>
public enum ScaffoldKind
{
    /// <summary>20 independent edits of the root.</summary>
    Flat,

    /// <summary>1 root, then branch 3 from the best node.</summary>
    Tree,

    /// <summary>3 roots, then branch 3 from the best node.</summary>
    Forest,

    /// <summary>3 roots, branch 1 from the best; with p = 0.5 debug a buggy leaf (debug depth at most 5).</summary>
    Aide,

    /// <summary>AIDE with branching 3.</summary>
    MultiAide,
}

/// <summary>A scaffold's search parameters; the presets follow the Automated LLM Speedrunning Benchmark (arXiv 2506.22419), every field can be overridden.</summary>
public sealed record ScaffoldParameters(int Roots, int Branching, double DebugProbability, int MaxDebugDepth)
{
    public static ScaffoldParameters For(ScaffoldKind kind) => kind switch
    {
        ScaffoldKind.Flat => new(Roots: 20, Branching: 0, DebugProbability: 0, MaxDebugDepth: 0),
        ScaffoldKind.Tree => new(Roots: 1, Branching: 3, DebugProbability: 0, MaxDebugDepth: 0),
        ScaffoldKind.Forest => new(Roots: 3, Branching: 3, DebugProbability: 0, MaxDebugDepth: 0),
        ScaffoldKind.Aide => new(Roots: 3, Branching: 1, DebugProbability: 0.5, MaxDebugDepth: 5),
        ScaffoldKind.MultiAide => new(Roots: 3, Branching: 3, DebugProbability: 0.5, MaxDebugDepth: 5),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

public static class ScaffoldKinds
{
    public static bool TryParse(string? text, out ScaffoldKind kind)
    {
        kind = ScaffoldKind.Flat;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "flat": kind = ScaffoldKind.Flat; return true;
            case "tree": kind = ScaffoldKind.Tree; return true;
            case "forest": kind = ScaffoldKind.Forest; return true;
            case "aide": kind = ScaffoldKind.Aide; return true;
            case "multi-aide" or "multiaide" or "multi_aide": kind = ScaffoldKind.MultiAide; return true;
            default: return false;
        }
    }

    public static string Format(ScaffoldKind kind) => kind == ScaffoldKind.MultiAide ? "multi-aide" : kind.ToString().ToLowerInvariant();
}

public sealed record ScaffoldOptions
{
    /// <summary>Nodes whose code was run; the benchmark allows 20.</summary>
    public int MaxNodes { get; init; } = 20;

    /// <summary>Model answers per node when edits fail to apply (the error is shown each time).</summary>
    public int MaxEditAttempts { get; init; } = 3;

    /// <summary>Bound on node proposals, counting those whose edits never applied; default twice MaxNodes.</summary>
    public int? MaxProposals { get; init; }

    /// <summary>wait_seconds for each run_status call while a run is going.</summary>
    public int RunWaitSeconds { get; init; } = 600;

    /// <summary>Log lines shown when debugging a failed node.</summary>
    public int LogTailLines { get; init; } = 60;

    /// <summary>Characters of code shown to the model; longer code is cut with a note saying so.</summary>
    public int MaxCodeChars { get; init; } = 120_000;

    /// <summary>Steps kept back for submitting when the episode's step budget is known.</summary>
    public int ReserveSteps { get; init; } = 12;

    /// <summary>Overrides the preset of the chosen kind.</summary>
    public ScaffoldParameters? Parameters { get; init; }
}
