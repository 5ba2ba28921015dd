using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Docker;
using AgentGym.Sandbox.Local;

namespace AgentGym.Sandbox;

/// <summary>Creates the sandbox backends. The Docker one is IDisposable (it holds an engine connection).</summary>
public static class Sandboxes
{
    /// <summary>Isolated runs in containers (DESIGN.md, sandbox contract).</summary>
    public static ISandbox CreateDocker(DockerSandboxOptions? options = null, TimeProvider? time = null) =>
        new DockerSandbox(options ?? new DockerSandboxOptions(), time ?? TimeProvider.System);

    /// <summary>Plain host processes with NO isolation: development and Docker-less hosts only (see README.md).</summary>
    public static ISandbox CreateLocal(LocalSandboxOptions? options = null, TimeProvider? time = null) =>
        new LocalSandbox(options ?? new LocalSandboxOptions(), time ?? TimeProvider.System);
}
