using System.Diagnostics;

namespace AgentGym.Eval.Tests;

/// <summary>
/// A fact that needs the Docker engine and the agentgym-cpu image (the same rule as the integration tests' attribute):
/// skipped with a reason when either is missing, unless AGENTGYM_REQUIRE_DOCKER=1 (CI), where it runs and fails loudly.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerAvailability.Required) return;
        if (!DockerAvailability.Available) Skip = "Docker engine or agentgym-cpu image not available";
    }
}

internal static class DockerAvailability
{
    private static readonly Lazy<bool> Probe = new(ProbeEngine);

    public static bool Required => Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1";

    public static bool Available => Probe.Value;

    private static bool ProbeEngine()
    {
        try
        {
            var info = new ProcessStartInfo("docker", ["image", "inspect", "agentgym-cpu:latest"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info);
            if (process is null) return false;
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(15_000))
            {
                process.Kill();
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no docker client
        }
    }
}
