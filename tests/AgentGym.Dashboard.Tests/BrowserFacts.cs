namespace AgentGym.Dashboard.Tests;

/// <summary>
/// Needs Debian's Chromium (/usr/bin/chromium, installed by scripts/test.sh): skipped without it, unless
/// AGENTGYM_REQUIRE_DOCKER=1 (CI), where the test runs and fails loudly.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1") return;
        if (!File.Exists(Browser.ChromiumPath)) Skip = $"Chromium not installed at {Browser.ChromiumPath} (apt-get install chromium)";
    }
}

/// <summary>Needs Chromium and the Docker engine with the CPU image; the same skip rule as both.</summary>
public sealed class DockerBrowserFactAttribute : FactAttribute
{
    public DockerBrowserFactAttribute()
    {
        Skip = new BrowserFactAttribute().Skip ?? new DockerFactAttribute().Skip;
    }
}
