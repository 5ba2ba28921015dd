using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.Sandbox.Docker;

/// <summary>Removes, once per sandbox, the containers of dead processes on this host (labels owner-pid and owner-host).</summary>
internal sealed class LeftoverSweeper(DockerEngine engine, DockerSandboxOptions options) : IDisposable
{
    private readonly SemaphoreSlim _sweepGate = new(1, 1);
    private readonly string _host = System.Environment.MachineName;
    private bool _swept;

    /// <summary>Removes containers that earlier processes on this host created and never removed (they crashed or were killed).</summary>
    public async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        if (_swept || !options.RemoveLeftovers) return;
        await _sweepGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_swept) return;
            IList<ContainerListResponse> containers;
            try
            {
                containers = await engine.CallAsync(ct => engine.Client.Containers.ListContainersAsync(
                    new ContainersListParameters { All = true, Filters = ContainerSpec.OwnedFilter(options.LabelPrefix) }, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException)
            {
                // Housekeeping only: an engine that will not list containers must not stop the run itself.
                _swept = true;
                return;
            }
            foreach (var container in containers)
            {
                if (ContainerSpec.IsLeftover(container.Labels, options.LabelPrefix, _host, IsProcessAlive))
                    await RunContainer.RemoveAsync(engine, container.ID).ConfigureAwait(false);
            }
            _swept = true;
        }
        finally
        {
            _sweepGate.Release();
        }
    }

    public static bool IsProcessAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void Dispose() => _sweepGate.Dispose();
}
