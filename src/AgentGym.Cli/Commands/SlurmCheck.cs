using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Sandbox;

namespace AgentGym.Cli.Commands;

/// <summary>
/// `agentgym sandbox check --sandbox slurm`: the controller (scontrol ping), the partitions (sinfo), and a probe job
/// that runs the torch one-liner through the Slurm sandbox itself, so the container runtime and the image are checked
/// on a real node.
/// </summary>
internal static class SlurmCheck
{
    public static async Task<int> RunAsync(string? image, bool json, CancellationToken cancellationToken)
    {
        var paths = CliPaths.Discover(null);
        SlurmSandboxOptions options;
        try
        {
            options = SlurmSandboxOptions.FromEnvironment(Path.Combine(paths.HomeDirectory, "slurm-runs")) with { RepositoryRoot = paths.RepoRoot };
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        var report = await Sandboxes.CheckSlurmAsync(options, cancellationToken).ConfigureAwait(false);
        string? torch = null, torchError = null;
        var runtime = options.Runtime.ToString().ToLowerInvariant();
        if (report.Reachable)
            (torch, torchError) = await SandboxCommands.TorchCheckAsync(Sandboxes.CreateSlurm(options), image ?? "agentgym-cpu", cancellationToken).ConfigureAwait(false);
        var ok = report.Reachable && report.Partitions.Count > 0 && torch is not null;
        if (json)
        {
            var node = new JsonObject
            {
                ["ok"] = ok,
                ["reachable"] = report.Reachable,
                ["error"] = report.Error,
                ["controllers"] = new JsonArray(report.Controllers.Select(c => (JsonNode?)c).ToArray()),
                ["version"] = report.Version,
                ["partitions"] = new JsonArray(report.Partitions.Select(p => (JsonNode?)new JsonObject
                {
                    ["name"] = p.Name, ["availability"] = p.Availability, ["nodes"] = p.Nodes, ["cpus"] = p.Cpus,
                    ["memory_mb"] = p.MemoryMb, ["gres"] = p.Gres, ["time_limit"] = p.TimeLimit, ["state"] = p.State,
                }).ToArray()),
                ["shared_directory"] = options.SharedDirectory,
                ["partition"] = options.Partition,
                ["runtime"] = runtime,
                ["torch"] = torch,
                ["torch_error"] = torchError,
            };
            Console.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return ok ? 0 : 1;
        }
        if (!report.Reachable)
        {
            Console.WriteLine($"controller: {report.Error}");
            return 1;
        }
        Console.WriteLine($"controller: {string.Join(", ", report.Controllers)} is up ({report.Version})");
        foreach (var p in report.Partitions)
            Console.WriteLine($"partition:  {p.Name} ({p.Availability}): {p.Nodes} nodes {p.State}, {p.Cpus} CPUs, {p.MemoryMb} MB, gres {p.Gres}, time limit {p.TimeLimit}");
        Console.WriteLine($"jobs:       partition {options.Partition ?? "(default)"}, shared folder {options.SharedDirectory}, runtime {runtime}");
        Console.WriteLine(torch is not null ? $"on a node:  {runtime} ran torch {torch} (version, threads)" : $"on a node:  FAILED: {torchError}");
        return ok ? 0 : 1;
    }
}
