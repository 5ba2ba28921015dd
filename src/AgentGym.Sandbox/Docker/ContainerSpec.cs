using System.Globalization;
using AgentGym.Core.Sandboxing;
using Docker.DotNet.Models;

namespace AgentGym.Sandbox.Docker;

/// <summary>
/// The container a run gets (docs/architecture.md, "The sandbox contract"). The container's own process is only a holder (docker-init
/// plus sleep) running as <see cref="HolderUser"/>; the training command is an exec as <see cref="RunUser"/>. Why: the
/// size-limited tmpfs mounts at /workspace and /outputs exist only inside the running container's mount namespace,
/// where the archive API cannot reach them, so files travel through exec'd tar instead, and /outputs can be read only
/// while the container still runs, i.e. after the command but before the holder ends. A different uid for the holder
/// means the command cannot signal it (no capabilities), so killing every process of the run never ends the container.
/// </summary>
internal static class ContainerSpec
{
    public const string RunUser = "65534:65534";
    public const string HolderUser = "65533:65533";
    public const string WorkspacePath = "/workspace";
    public const string OutputsPath = "/outputs";
    public const string DataPath = "/data";

    /// <summary>The holder outlives the time limit by this much, then ends on its own: a dead-man switch for a host that died mid-run.</summary>
    public static readonly TimeSpan HolderGrace = TimeSpan.FromMinutes(15);

    /// <summary>Upper bound on the holder's sleep, so an absurd time limit cannot overflow it.</summary>
    public static readonly TimeSpan MaxHolderLifetime = TimeSpan.FromDays(7);

    public static CreateContainerParameters Build(SandboxRunRequest request, string image, DockerSandboxOptions options, IReadOnlyDictionary<string, string> labels)
    {
        var limits = request.Limits;
        var diskMb = Math.Max(1, limits.DiskMb);
        var memoryBytes = limits.MemoryMb * 1024 * 1024;
        var holderSeconds = (long)Math.Ceiling(Math.Min(request.TimeLimit.TotalSeconds + HolderGrace.TotalSeconds, MaxHolderLifetime.TotalSeconds));
        var host = new HostConfig
        {
            NetworkMode = "none",
            ReadonlyRootfs = true,
            CapDrop = ["ALL"],
            SecurityOpt = ["no-new-privileges"],
            Memory = memoryBytes,
            // Equal to Memory: no swap, so an over-allocating script is killed instead of thrashing the host.
            MemorySwap = memoryBytes,
            NanoCPUs = (long)Math.Round(limits.Cpus * 1e9),
            PidsLimit = limits.Pids,
            ShmSize = limits.ShmMb * 1024 * 1024,
            Init = true,
            Tmpfs = new Dictionary<string, string>
            {
                ["/tmp"] = $"rw,nosuid,nodev,size={options.TmpMb}m,mode=1777",
                [WorkspacePath] = $"rw,nosuid,nodev,size={diskMb}m,uid=65534,gid=65534,mode=0755",
                [OutputsPath] = $"rw,nosuid,nodev,size={diskMb}m,uid=65534,gid=65534,mode=0755",
            },
            Mounts = [],
            // Output goes through the exec stream; the holder prints nothing, so the engine keeps no log file.
            LogConfig = new LogConfig { Type = "none" },
            DeviceRequests = GpuRequests(limits),
        };
        if (request.DataDirectory is { } data)
        {
            host.Mounts.Add(new Mount { Type = "bind", Source = Path.GetFullPath(data), Target = DataPath, ReadOnly = true });
        }
        return new CreateContainerParameters
        {
            Image = image,
            Name = ContainerName(request),
            Entrypoint = ["sleep"],
            Cmd = [holderSeconds.ToString(CultureInfo.InvariantCulture)],
            User = HolderUser,
            WorkingDir = WorkspacePath,
            Env = EnvironmentList(request.Environment),
            Labels = new Dictionary<string, string>(labels),
            NetworkDisabled = true,
            HostConfig = host,
        };
    }

    public static List<string> EnvironmentList(IReadOnlyDictionary<string, string> environment) =>
        environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value).ToList();

    /// <summary>-1 all GPUs, n a count, explicit ids win; none when the task asks for none.</summary>
    public static List<DeviceRequest> GpuRequests(SandboxLimits limits)
    {
        if (limits.GpuIds.Count > 0)
            return [new DeviceRequest { DeviceIDs = limits.GpuIds.ToList(), Capabilities = [["gpu"]] }];
        if (limits.Gpus == 0) return [];
        return [new DeviceRequest { Count = limits.Gpus < 0 ? -1 : limits.Gpus, Capabilities = [["gpu"]] }];
    }

    /// <summary>Readable in `docker ps`, unique per attempt.</summary>
    public static string ContainerName(SandboxRunRequest request)
    {
        static string Clean(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').Take(40).ToArray());
        return $"agentgym-{Clean(request.EpisodeId)}-{Clean(request.RunId)}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    public static Dictionary<string, string> Labels(string prefix, SandboxRunRequest request, int ownerPid, string ownerHost) => new()
    {
        [prefix] = "1",
        [prefix + ".episode"] = request.EpisodeId,
        [prefix + ".run"] = request.RunId,
        [prefix + ".owner-pid"] = ownerPid.ToString(CultureInfo.InvariantCulture),
        [prefix + ".owner-host"] = ownerHost,
    };

    /// <summary>The engine-side filter for every container this sandbox family created.</summary>
    public static IDictionary<string, IDictionary<string, bool>> OwnedFilter(string prefix) =>
        new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [prefix + "=1"] = true } };

    /// <summary>A leftover is ours to remove when it was made on this host by a process that no longer runs.</summary>
    public static bool IsLeftover(IDictionary<string, string>? labels, string prefix, string host, Func<int, bool> isAlive)
    {
        if (labels is null || !labels.TryGetValue(prefix, out var mark) || mark != "1") return false;
        if (labels.TryGetValue(prefix + ".owner-host", out var owner) && owner != host) return false;
        if (!labels.TryGetValue(prefix + ".owner-pid", out var pidText)
            || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        return !isAlive(pid);
    }
}
