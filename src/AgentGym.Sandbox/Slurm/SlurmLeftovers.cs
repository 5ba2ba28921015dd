using System.Globalization;
using AgentGym.Sandbox.Docker;

namespace AgentGym.Sandbox.Slurm;

/// <summary>
/// Jobs a dead gym left behind. Each job's comment is "PREFIX-owner=HOST:PID"; before its first run a sandbox cancels
/// the user's jobs whose name starts with the prefix and whose owner is a process of this host that no longer runs
/// (a killed or crashed gym), as the Docker backend removes such containers. Jobs of live processes are left alone.
/// </summary>
internal sealed class SlurmLeftovers(SlurmCommands slurm, SlurmSandboxOptions options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _done;

    public static string Comment(SlurmSandboxOptions options) =>
        $"{options.JobNamePrefix}-owner={System.Environment.MachineName}:{System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The ids of the jobs to cancel among squeue -h -o '%i|%j|%k' lines (id, name, comment).</summary>
    public static List<long> Find(string squeueOutput, string prefix, string host, Func<int, bool> isAlive)
    {
        var ids = new List<long>();
        var mark = prefix + "-owner=";
        foreach (var line in squeueOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|', 3);
            if (f.Length < 3 || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            if (!f[1].StartsWith(prefix + "-", StringComparison.Ordinal) || !f[2].StartsWith(mark, StringComparison.Ordinal)) continue;
            var owner = f[2][mark.Length..];
            var colon = owner.LastIndexOf(':');
            if (colon < 0 || owner[..colon] != host) continue;
            if (!int.TryParse(owner[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (!isAlive(pid)) ids.Add(id);
        }
        return ids;
    }

    public async Task CancelOnceAsync(CancellationToken cancellationToken)
    {
        if (_done || !options.CancelLeftovers) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_done) return;
            var listed = await slurm.RunAsync("squeue", ["-h", "-u", System.Environment.UserName, "-t", "PENDING,RUNNING,SUSPENDED,REQUEUED,CONFIGURING", "-o", "%i|%j|%k"], cancellationToken).ConfigureAwait(false);
            if (!listed.Ok) throw new SandboxSetupException($"squeue failed: {listed.Message} (is slurmctld running? scripts/ensure-slurm.sh starts a one-node cluster)");
            var ids = Find(listed.Stdout, options.JobNamePrefix, System.Environment.MachineName, LeftoverSweeper.IsProcessAlive);
            if (ids.Count > 0)
                await slurm.RunAsync("scancel", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), cancellationToken).ConfigureAwait(false);
            _done = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
