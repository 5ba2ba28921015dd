using AgentGym.Agents;
using AgentGym.Core.Gym;

namespace AgentGym.Eval.Spec;

/// <summary>
/// A checked experiment: every cell (task x hint regime x agent x seed) it asks for, with budgets, concurrency and
/// scoring. Built by <see cref="ExperimentSpecs.Load"/> from a JSON file; see README.md for the format.
/// </summary>
public sealed record ExperimentSpec
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Tasks { get; init; }
    public required IReadOnlyList<HintRegime> Hints { get; init; }
    public required IReadOnlyList<AgentSpec> Agents { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    public EpisodeBudgets Budgets { get; init; } = new();
    public ConcurrencySpec Concurrency { get; init; } = new();
    public ScoringSpec Scoring { get; init; } = new();

    /// <summary>The spec's "sandbox" (docker, local, none or slurm); null leaves the choice to the command line.</summary>
    public string? Sandbox { get; init; }

    /// <summary>The spec file's own text (stored with the results, so a report says what was run).</summary>
    public string SourceJson { get; init; } = "{}";

    /// <summary>Every cell, seed-major: an interrupted experiment has about the same seeds done for every agent.</summary>
    public IReadOnlyList<CellSpec> Cells() =>
        [.. from seed in Seeds
            from task in Tasks
            from hints in Hints
            from agent in Agents
            select new CellSpec(task, hints, agent, seed)];
}

/// <param name="Label">The name the agent has in results and reports (unique in a spec).</param>
/// <param name="Kind">Which agent acts: sk, flat, tree, forest, aide, multi-aide, oracle, noop.</param>
/// <param name="SettingsJson">The resolved agent settings (config file plus inline overrides), as stored with the cell.</param>
/// <param name="Price">Dollars per million tokens, for the cost column; null when unknown.</param>
public sealed record AgentSpec(string Label, string Kind, AgentSettings Settings, string SettingsJson, TokenPrice? Price);

public sealed record TokenPrice(double InputPerMillion, double OutputPerMillion, double CachedInputPerMillion)
{
    public double Cost(long input, long cachedInput, long output) =>
        ((input - cachedInput) * InputPerMillion + cachedInput * CachedInputPerMillion + output * OutputPerMillion) / 1e6;
}

public sealed record ConcurrencySpec
{
    /// <summary>Cells running at once, at most.</summary>
    public int MaxCells { get; init; } = 1;

    /// <summary>CPU cores the cells share (a cell takes its task's resources.cpus); null: this machine's count.</summary>
    public double? Cpus { get; init; }

    /// <summary>GPU device ids handed to cells (a cell takes its task's resources.gpus of them, never shared).</summary>
    public IReadOnlyList<string> GpuIds { get; init; } = [];
}

public sealed record ScoringSpec
{
    /// <summary>Overrides the tasks' verification pairs (e.g. 1 for quick experiments); null keeps each task's.</summary>
    public int? Pairs { get; init; }

    /// <summary>The reward function by spec ("fsr", "shaped", "shaped:loss_weight=0.2"); null: fsr.</summary>
    public string? Reward { get; init; }

    /// <summary>The verifier image; null: the CLI's default.</summary>
    public string? VerifierImage { get; init; }

    /// <summary>The optional code-review judge run after the measured checks; null: no review.</summary>
    public Agents.Review.JudgeSettings? Judge { get; init; }
}

public sealed record CellSpec(string TaskId, HintRegime Hints, AgentSpec Agent, int Seed)
{
    /// <summary>Identifies a cell across reruns of the same experiment.</summary>
    public string Key => $"{TaskId}|{HintRegimes.Format(Hints)}|{Agent.Label}|{Seed}";
}

/// <summary>A spec that cannot be run; the message names the offending field (e.g. agents[1].kind).</summary>
public sealed class ExperimentSpecException : Exception
{
    public ExperimentSpecException(string field, string message) : base($"{field}: {message}") => Field = field;

    public ExperimentSpecException() { Field = "(root)"; }

    public ExperimentSpecException(string message) : base(message) { Field = "(root)"; }

    public ExperimentSpecException(string message, Exception inner) : base(message, inner) { Field = "(root)"; }

    public string Field { get; }
}
