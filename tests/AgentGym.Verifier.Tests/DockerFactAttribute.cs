using System.Diagnostics;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// A test that needs Docker, the CPU sandbox image and the verifier image. It is skipped, with the reason, when any
/// is missing, unless AGENTGYM_REQUIRE_DOCKER=1 asks for them (CI), in which case it runs and fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("AGENTGYM_REQUIRE_DOCKER") == "1") return;
        if (DockerEnvironment.Missing() is { } missing) Skip = missing + " (set AGENTGYM_REQUIRE_DOCKER=1 to fail instead of skipping)";
    }
}

internal static class DockerEnvironment
{
    public const string TrainingImage = "agentgym-cpu:latest";

    private static readonly Lazy<string?> Probe = new(() =>
    {
        if (!Inspect(TrainingImage)) return $"Docker or the image {TrainingImage} is not available";
        if (!Inspect(VerifierImage)) return $"the verifier image {VerifierImage} is missing (run scripts/build-verifier.sh)";
        return null;
    });

    public static string? Missing() => Probe.Value;

    /// <summary>The tag build-verifier.sh recorded, else $AGENTGYM_VERIFIER_IMAGE, else agentgym-verifier:latest.</summary>
    public static string VerifierImage
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var stamp = Path.Combine(dir.FullName, ".agentgym", "verifier-image");
                if (File.Exists(Path.Combine(dir.FullName, "AgentGym.sln")))
                    return File.Exists(stamp) ? File.ReadAllText(stamp).Trim() : Fallback();
            }
            return Fallback();
        }
    }

    private static string Fallback() => Environment.GetEnvironmentVariable("AGENTGYM_VERIFIER_IMAGE") is { Length: > 0 } i ? i : "agentgym-verifier:latest";

    private static bool Inspect(string image)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", image]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit(30_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
