using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.Verifier.Tests;

internal static class TestSandboxes
{
    /// <summary>The real Docker backend, as episodes use it.</summary>
    public static ISandbox Docker() => Sandboxes.CreateDocker();
}
