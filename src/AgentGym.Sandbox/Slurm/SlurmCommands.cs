using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AgentGym.Sandbox.Docker;

namespace AgentGym.Sandbox.Slurm;

/// <summary>What a Slurm command printed and how it ended.</summary>
internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    /// <summary>The first line of stderr (or stdout), for messages.</summary>
    public string Message
    {
        get
        {
            var text = (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
            return text.Length > 400 ? text[..400] + "..." : text;
        }
    }
}

/// <summary>
/// Runs the Slurm client tools (sbatch, squeue, sacct, scancel, sinfo, scontrol) as child processes with a time limit.
/// Only machine-readable forms are asked for (--parsable, --parsable2, -o with a '|' we chose); nothing parses columns.
/// </summary>
internal sealed class SlurmCommands(TimeSpan timeout)
{
    /// <summary>Runs <paramref name="tool"/>; a missing tool or a command over the time limit is a <see cref="SandboxSetupException"/>.</summary>
    public async Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new SandboxSetupException($"{tool} could not be started ({ex.Message}): is this a Slurm login node with the client tools on PATH? (scripts/ensure-slurm.sh starts a one-node cluster)", ex);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* already gone */ }
            cancellationToken.ThrowIfCancellationRequested();
            throw new SandboxSetupException($"{tool} {string.Join(' ', arguments)} did not answer within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s: is slurmctld reachable?");
        }
        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>sbatch --parsable prints "jobid" or "jobid;cluster".</summary>
    public static long? ParseJobId(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (line is null) return null;
        var id = line.Split(';')[0];
        return long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
