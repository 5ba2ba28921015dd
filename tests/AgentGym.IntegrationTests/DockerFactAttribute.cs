using Docker.DotNet;

namespace AgentGym.IntegrationTests;

/// <summary>
/// A fact that needs the Docker engine and the agentgym-cpu image. Without them it is skipped with a reason, unless
/// AGENTGYM_REQUIRE_DOCKER=1 (CI), where it runs and fails loudly instead of silently passing.
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
    public const string Image = "agentgym-cpu";

    private static readonly Lazy<bool> Probe = new(ProbeEngine);

    public static bool Required => System.Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1";

    public static bool Available => Probe.Value;

    private static bool ProbeEngine()
    {
        try
        {
            using var client = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            client.Images.InspectImageAsync(Image + ":latest", timeout.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
