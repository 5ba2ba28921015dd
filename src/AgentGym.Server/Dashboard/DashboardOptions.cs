using System.Text.Json.Nodes;

namespace AgentGym.Server.Dashboard;

/// <summary>What the dashboard at / shows besides the episodes folder: evaluation results files.</summary>
public sealed record DashboardOptions
{
    /// <summary>
    /// Results SQLite files, or folders whose *.sqlite files are all shown (read each time the page asks, so files
    /// that `agentgym eval` creates later appear too). Empty: the evaluations view says none is configured.
    /// </summary>
    public IReadOnlyList<string> ResultsPaths { get; init; } = [];

    /// <summary>
    /// Reads one results file into the JSON the evaluations view draws (progress, fsr table, frontier, costs). The
    /// host supplies it (the CLI passes AgentGym.Eval's reader) so that the server does not depend on the Eval
    /// project; null: the evaluations view answers that the host cannot read results.
    /// </summary>
    public Func<string, CancellationToken, Task<JsonObject>>? ReadResults { get; init; }
}
