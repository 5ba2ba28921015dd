using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;
using AgentGym.Sandbox.Docker;
using SandboxContainerSpec = AgentGym.Sandbox.Docker.ContainerSpec;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.IntegrationTests;

/// <summary>
/// GPU device requests as the real engine stores them. Creating a container with a device request needs no GPU (the
/// engine only looks for a device driver at start), so these run anywhere Docker does: each creates the run's container
/// from the sandbox's own spec, inspects it and removes it without starting it.
/// </summary>
public sealed class DockerGpuRequestTests
{
    [DockerFact]
    public async Task A_run_with_two_gpus_and_given_ids_asks_the_engine_for_exactly_those_devices()
    {
        var stored = await CreatedDeviceRequestsAsync(new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 64, DiskMb = 16, Gpus = 2, GpuIds = ["1", "3"] });

        var request = Assert.Single(stored);
        // Docker refuses a request with both a count and ids, so the ids stand alone and the count is left at 0.
        Assert.Equal(0, request.Count);
        Assert.Equal(["1", "3"], request.DeviceIDs);
        Assert.Equal([["gpu"]], request.Capabilities.Select(c => c.ToList()).ToList());
        Assert.Equal("", request.Driver ?? "");
    }

    [DockerFact]
    public async Task A_run_with_a_gpu_count_and_no_ids_asks_the_engine_for_that_many()
    {
        var stored = await CreatedDeviceRequestsAsync(new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 64, DiskMb = 16, Gpus = 2 });

        var request = Assert.Single(stored);
        Assert.Equal(2, request.Count);
        Assert.Empty(request.DeviceIDs ?? []);
        Assert.Equal([["gpu"]], request.Capabilities.Select(c => c.ToList()).ToList());
    }

    [DockerFact]
    public async Task A_run_without_gpus_has_no_device_request()
    {
        var stored = await CreatedDeviceRequestsAsync(new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 64, DiskMb = 16 });
        Assert.Empty(stored);
    }

    private static async Task<IList<DeviceRequest>> CreatedDeviceRequestsAsync(SandboxLimits limits)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var report = await Sandboxes.CheckDockerAsync(cancellationToken: timeout.Token);
        Assert.True(report.ResolvedImage is not null, report.Error ?? "agentgym-cpu image not found");
        var request = new SandboxRunRequest
        {
            RunId = "gpu-request",
            EpisodeId = "ep-gpu-test",
            WorkspaceDirectory = Path.GetTempPath(),
            OutputDirectory = Path.GetTempPath(),
            Command = ["nvidia-smi"],
            Environment = new Dictionary<string, string>(),
            Image = "agentgym-cpu",
            Limits = limits,
            TimeLimit = TimeSpan.FromMinutes(1),
        };
        var labels = SandboxContainerSpec.Labels("agentgymgputest", request, System.Environment.ProcessId, System.Environment.MachineName);
        var spec = SandboxContainerSpec.Build(request, report.ResolvedImage!, new DockerSandboxOptions(), labels);

        using var client = new DockerClientBuilder().WithEndpoint(DockerSandboxOptions.DefaultEndpoint).Build();
        var created = await client.Containers.CreateContainerAsync(spec, timeout.Token);
        try
        {
            var inspected = await client.Containers.InspectContainerAsync(created.ID, timeout.Token);
            Assert.NotNull(inspected.State);
            Assert.False(inspected.State.Running);
            Assert.NotNull(inspected.HostConfig);
            return inspected.HostConfig.DeviceRequests ?? [];
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }
}
