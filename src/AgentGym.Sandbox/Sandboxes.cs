using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Docker;
using AgentGym.Sandbox.Local;
using Docker.DotNet;

namespace AgentGym.Sandbox;

/// <summary>Creates the sandbox backends. The Docker one is IDisposable (it holds an engine connection).</summary>
public static class Sandboxes
{
    /// <summary>Isolated runs in containers (docs/architecture.md, "The sandbox contract").</summary>
    public static ISandbox CreateDocker(DockerSandboxOptions? options = null, TimeProvider? time = null) =>
        new DockerSandbox(options ?? new DockerSandboxOptions(), time ?? TimeProvider.System);

    /// <summary>Plain host processes with NO isolation: development and Docker-less hosts only (see README.md).</summary>
    public static ISandbox CreateLocal(LocalSandboxOptions? options = null, TimeProvider? time = null) =>
        new LocalSandbox(options ?? new LocalSandboxOptions(), time ?? TimeProvider.System);

    /// <summary>Asks the engine for its version and runtimes and resolves <paramref name="image"/> (default: the options' image).</summary>
    public static async Task<DockerEngineReport> CheckDockerAsync(DockerSandboxOptions? options = null, string? image = null, CancellationToken cancellationToken = default)
    {
        options ??= new DockerSandboxOptions();
        using var sandbox = new DockerSandbox(options with { Retry = options.Retry with { MaxAttempts = 1 } }, TimeProvider.System);
        var client = sandbox.Engine.Client;
        var endpoint = options.Endpoint.ToString();
        try
        {
            var version = await sandbox.Engine.CallAsync(ct => client.System.GetVersionAsync(ct), cancellationToken).ConfigureAwait(false);
            var info = await sandbox.Engine.CallAsync(ct => client.System.GetSystemInfoAsync(ct), cancellationToken).ConfigureAwait(false);
            var asked = string.IsNullOrWhiteSpace(image) ? options.DefaultImage : image;
            string? resolved = null, imageError = null;
            try
            {
                resolved = await sandbox.ResolveImageAsync(asked, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxSetupException ex)
            {
                imageError = ex.Message;
            }
            return new DockerEngineReport
            {
                Endpoint = endpoint,
                Reachable = true,
                ServerVersion = version.Version,
                ApiVersion = version.APIVersion,
                CgroupVersion = info.CgroupVersion,
                Cpus = info.NCPU,
                MemoryBytes = info.MemTotal,
                Runtimes = (info.Runtimes?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal).ToList(),
                Image = asked,
                ResolvedImage = resolved,
                ImageError = imageError,
            };
        }
        catch (SandboxSetupException ex)
        {
            return new DockerEngineReport { Endpoint = endpoint, Reachable = false, Error = ex.Message };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new DockerEngineReport { Endpoint = endpoint, Reachable = false, Error = ex.Message };
        }
        catch (DockerApiException ex)
        {
            return new DockerEngineReport { Endpoint = endpoint, Reachable = false, Error = $"the engine answered {(int)ex.StatusCode}: {ex.ResponseBody}" };
        }
    }
}
