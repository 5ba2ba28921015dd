using AgentGym.Sandbox;

namespace AgentGym.Tests.Shared;

/// <summary>
/// Needs the Docker engine and the agentgym-cpu image (as the sandbox resolves it): skipped without them, unless AGENTGYM_REQUIRE_DOCKER=1 (CI),
/// where the test runs and fails loudly.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var report = Sandboxes.CheckDockerAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();
            return report.Reachable && report.ResolvedImage is not null;
        }
        catch (Exception)
        {
            return false;
        }
    });

    public DockerFactAttribute()
    {
        if (System.Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1") return;
        if (!Available.Value) Skip = "Docker engine or agentgym-cpu image not available";
    }
}
