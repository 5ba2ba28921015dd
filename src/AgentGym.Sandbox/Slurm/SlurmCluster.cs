using System.Globalization;
using AgentGym.Sandbox.Docker;

namespace AgentGym.Sandbox.Slurm;

/// <summary>Asks the cluster about itself for `sandbox check`: scontrol ping, the configured controllers, sinfo's partitions.</summary>
internal static class SlurmCluster
{
    public const string SinfoFormat = "%R|%a|%D|%c|%m|%G|%l|%T";

    public static async Task<SlurmClusterReport> CheckAsync(SlurmCommands slurm, CancellationToken cancellationToken)
    {
        try
        {
            var ping = await slurm.RunAsync("scontrol", ["ping"], cancellationToken).ConfigureAwait(false);
            if (!ping.Ok) return new SlurmClusterReport { Reachable = false, Error = $"slurmctld did not answer: {ping.Message}" };
            var version = await slurm.RunAsync("sinfo", ["--version"], cancellationToken).ConfigureAwait(false);
            var config = await slurm.RunAsync("scontrol", ["show", "config"], cancellationToken).ConfigureAwait(false);
            var sinfo = await slurm.RunAsync("sinfo", ["-h", "-o", SinfoFormat], cancellationToken).ConfigureAwait(false);
            return new SlurmClusterReport
            {
                Reachable = true,
                Version = version.Stdout.Trim(),
                Controllers = Controllers(config.Stdout),
                Partitions = Partitions(sinfo.Stdout),
                Error = sinfo.Ok ? null : $"sinfo failed: {sinfo.Message}",
            };
        }
        catch (SandboxSetupException ex)
        {
            return new SlurmClusterReport { Reachable = false, Error = ex.Message };
        }
    }

    /// <summary>"SlurmctldHost[0] = vm(10.0.0.1)" lines of scontrol show config (one key = value per line).</summary>
    internal static List<string> Controllers(string config) =>
        config.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim().StartsWith("SlurmctldHost", StringComparison.Ordinal))
            .Select(p => p[1].Trim()).Where(v => v.Length > 0).ToList();

    internal static List<SlurmPartitionReport> Partitions(string sinfo) =>
        sinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('|'))
            .Where(f => f.Length >= 8)
            .Select(f => new SlurmPartitionReport(f[0], f[1], int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0, f[3], f[4], f[5], f[6], f[7]))
            .ToList();
}
