using System.Diagnostics;

namespace AgentGym.Verifier.Tests;

public sealed class VerifierImageTests
{
    /// <summary>
    /// The verifier's OpenMP threads must sleep, not spin, at a barrier: with a spinning policy the verifier ran 6x
    /// slower beside one busy core (bench/verifier/verifier-under-load.sh measures it). A process started in the image
    /// sees the setting.
    /// </summary>
    [DockerFact]
    public async Task A_process_in_the_verifier_image_runs_with_the_passive_OpenMP_wait_policy()
    {
        using var p = Process.Start(new ProcessStartInfo("docker", ["run", "--rm", "--network", "none", DockerEnvironment.VerifierImage, "env"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, p.ExitCode);
        var policy = (await stdout).Split('\n').Where(l => l.StartsWith("OMP_WAIT_POLICY=", StringComparison.Ordinal)).ToList();
        Assert.Equal(["OMP_WAIT_POLICY=PASSIVE"], policy);
        _ = await stderr;
    }
}
