using System.Diagnostics;

namespace AgentGym.Slurm.Tests;

/// <summary>
/// Needs a Slurm cluster answering (scontrol ping; scripts/ensure-slurm.sh starts one) and the Docker engine with the
/// agentgym-cpu image (the jobs' container runtime). Skipped without them, unless AGENTGYM_REQUIRE_DOCKER=1 (CI, where
/// scripts/test.sh starts the cluster), where the test runs and fails loudly.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            using var ping = Process.Start(new ProcessStartInfo("scontrol", ["ping"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            if (!ping.WaitForExit(10_000) || ping.ExitCode != 0) return "no Slurm controller answers (scripts/ensure-slurm.sh starts one)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "the Slurm client tools are not installed (scripts/ensure-slurm.sh installs them)";
        }
        return new DockerFactAttribute().Skip;
    });

    public SlurmFactAttribute()
    {
        if (System.Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1") return;
        if (Missing.Value is { } why) Skip = why;
    }
}
