using System.Net;
using System.Net.Sockets;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Docker;
using Docker.DotNet;
using Microsoft.Extensions.Time.Testing;

namespace AgentGym.Sandbox.Tests;

public sealed class ContainerSpecTests
{
    private static SandboxRunRequest Request(SandboxLimits? limits = null, string? data = "/srv/data") => new()
    {
        RunId = "run-3",
        EpisodeId = "ep 1/x",
        WorkspaceDirectory = "/tmp/ws",
        OutputDirectory = "/tmp/out",
        DataDirectory = data,
        Command = ["python3", "train.py"],
        Environment = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" },
        Image = "agentgym-cpu",
        Limits = limits ?? new SandboxLimits { Cpus = 1.5, MemoryMb = 2048, Pids = 100, ShmMb = 64, DiskMb = 512 },
        TimeLimit = TimeSpan.FromMinutes(10),
    };

    [Fact]
    public void The_container_is_locked_down_as_the_contract_says()
    {
        var labels = ContainerSpec.Labels("agentgym", Request(), 1234, "host-a");
        var spec = ContainerSpec.Build(Request(), "agentgym-cpu:abc", new DockerSandboxOptions(), labels);
        var host = spec.HostConfig!;
        Assert.Equal("none", host.NetworkMode);
        Assert.True(host.ReadonlyRootfs);
        Assert.Equal(["ALL"], host.CapDrop);
        Assert.Equal(["no-new-privileges"], host.SecurityOpt);
        Assert.Equal(2048L * 1024 * 1024, host.Memory);
        Assert.Equal(host.Memory, host.MemorySwap);
        Assert.Equal(1_500_000_000, host.NanoCPUs);
        Assert.Equal(100, host.PidsLimit);
        Assert.Equal(64L * 1024 * 1024, host.ShmSize);
        Assert.Equal("rw,nosuid,nodev,size=256m,mode=1777", host.Tmpfs!["/tmp"]);
        Assert.Equal("rw,nosuid,nodev,size=512m,uid=65534,gid=65534,mode=0755", host.Tmpfs!["/workspace"]);
        Assert.Equal("rw,nosuid,nodev,size=512m,uid=65534,gid=65534,mode=0755", host.Tmpfs!["/outputs"]);
        var data = Assert.Single(host.Mounts!);
        Assert.Equal(("bind", "/srv/data", "/data", true), (data.Type, data.Source, data.Target, data.ReadOnly));
        Assert.Empty(host.DeviceRequests!);
        Assert.Equal(["A=1", "B=2"], spec.Env);
        Assert.Equal("/workspace", spec.WorkingDir);
        Assert.Equal(ContainerSpec.HolderUser, spec.User);
        Assert.Equal(["sleep"], spec.Entrypoint);
        // The holder is only the backstop before the command starts (RunContainer arms the tight deadline): limit + 5 min.
        Assert.Equal([(10 * 60 + 5 * 60).ToString(System.Globalization.CultureInfo.InvariantCulture)], spec.Cmd);
        Assert.Equal("1", spec.Labels!["agentgym"]);
        Assert.Equal("ep 1/x", spec.Labels!["agentgym.episode"]);
        Assert.Equal("run-3", spec.Labels!["agentgym.run"]);
        Assert.Equal("1234", spec.Labels!["agentgym.owner-pid"]);
        Assert.StartsWith("agentgym-ep-1-x-run-3-", spec.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void No_data_folder_means_no_mount()
    {
        var spec = ContainerSpec.Build(Request(data: null), "img", new DockerSandboxOptions(), new Dictionary<string, string>());
        Assert.Empty(spec.HostConfig!.Mounts!);
    }

    [Fact]
    public void Gpus_become_device_requests()
    {
        Assert.Empty(ContainerSpec.GpuRequests(new SandboxLimits()));
        var all = Assert.Single(ContainerSpec.GpuRequests(new SandboxLimits { Gpus = -1 }));
        Assert.Equal(-1, all.Count);
        Assert.Equal("gpu", all.Capabilities.Single().Single());
        Assert.Equal(2, Assert.Single(ContainerSpec.GpuRequests(new SandboxLimits { Gpus = 2 })).Count);
        var ids = Assert.Single(ContainerSpec.GpuRequests(new SandboxLimits { Gpus = 1, GpuIds = ["0", "3"] }));
        Assert.Equal(["0", "3"], ids.DeviceIDs);
    }

    [Fact]
    public void Leftovers_are_containers_of_dead_owners_on_this_host()
    {
        static Dictionary<string, string> L(string pid, string host = "me") => new() { ["agentgym"] = "1", ["agentgym.owner-pid"] = pid, ["agentgym.owner-host"] = host };
        bool Alive(int pid) => pid == 10;
        Assert.True(ContainerSpec.IsLeftover(L("11"), "agentgym", "me", Alive));
        Assert.False(ContainerSpec.IsLeftover(L("10"), "agentgym", "me", Alive));
        Assert.False(ContainerSpec.IsLeftover(L("11", "other-host"), "agentgym", "me", Alive));
        Assert.False(ContainerSpec.IsLeftover(L("not-a-pid"), "agentgym", "me", Alive));
        Assert.False(ContainerSpec.IsLeftover(new Dictionary<string, string> { ["agentgym.owner-pid"] = "11" }, "agentgym", "me", Alive));
        Assert.False(ContainerSpec.IsLeftover(null, "agentgym", "me", Alive));
        var filter = ContainerSpec.OwnedFilter("agentgym");
        Assert.True(filter["label"]["agentgym=1"]);
        Assert.True(LeftoverSweeper.IsProcessAlive(System.Environment.ProcessId));
    }

    [Fact]
    public void Oom_kills_are_read_from_either_cgroup_version()
    {
        Assert.Equal(1, CgroupEvents.CountOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"));
        Assert.Equal(2, CgroupEvents.CountOomKills("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n"));
        Assert.Equal(0, CgroupEvents.CountOomKills("oom_kill 0\n"));
        Assert.Equal(0, CgroupEvents.CountOomKills("cat: /sys/fs/cgroup/memory.events: No such file or directory"));
    }

    [Fact]
    public void Refused_forks_are_read_from_pids_events_and_never_from_memory_events_max()
    {
        // memory.events has a "max" line of its own (the memory limit was reached): it must not count as pids.
        var v2 = "low 0\nhigh 0\nmax 5\noom 0\noom_kill 0\n--agentgym-pids--\nmax 3\n";
        Assert.Equal(new CgroupEvents(0, 3), CgroupEvents.Parse(v2));
        var v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n--agentgym-pids--\nmax 0\n";
        Assert.Equal(new CgroupEvents(2, 0), CgroupEvents.Parse(v1));
        Assert.Equal(new CgroupEvents(0, 0), CgroupEvents.Parse(""));
    }
}

public sealed class ImageResolverTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("agentgym-repo-").FullName;

    public ImageResolverTests()
    {
        File.WriteAllText(Path.Combine(_repo, "AgentGym.sln"), "");
        Directory.CreateDirectory(Path.Combine(_repo, "sandbox-images", "cpu"));
        File.WriteAllText(Path.Combine(_repo, "sandbox-images", "cpu", "build.sh"), "#!/bin/sh\necho build\n");
        File.WriteAllText(Path.Combine(_repo, "sandbox-images", "cpu", "packages.txt"), "python3\n");
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private string Tag => SandboxImageRecipes.ComputeTag(Path.Combine(_repo, "sandbox-images", "cpu"));

    private ImageResolver With(params string[] present) => new((image, _) => Task.FromResult(present.Contains(image)), _repo);

    [Fact]
    public void The_tag_is_the_sha256_of_build_sh_then_packages_txt_like_build_sh_computes_it()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("#!/bin/sh\necho build\npython3\n"u8))[..12];
        Assert.Equal(expected, Tag);
        Assert.Equal(_repo, SandboxImageRecipes.FindRepositoryRoot(Path.Combine(_repo, "sandbox-images", "cpu")));
    }

    [Fact]
    public async Task The_alias_prefers_the_recipe_tag_then_latest()
    {
        Assert.Equal($"agentgym-cpu:{Tag}", await With($"agentgym-cpu:{Tag}", "agentgym-cpu:latest").ResolveAsync("agentgym-cpu", CancellationToken.None));
        Assert.Equal("agentgym-cpu:latest", await With("agentgym-cpu:latest").ResolveAsync("agentgym-cpu", CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_alias_image_says_how_to_build_it()
    {
        var ex = await Assert.ThrowsAsync<SandboxSetupException>(() => With().ResolveAsync("agentgym-cpu", CancellationToken.None));
        Assert.Contains("`agentgym sandbox build cpu`", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Tag, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_tags_and_other_images_are_taken_as_given()
    {
        Assert.Equal("agentgym-cpu:old", await With("agentgym-cpu:old").ResolveAsync("agentgym-cpu:old", CancellationToken.None));
        Assert.Equal("python:3.12", await With("python:3.12").ResolveAsync("python:3.12", CancellationToken.None));
        Assert.Equal("registry:5000/x:latest", await With("registry:5000/x:latest").ResolveAsync("registry:5000/x", CancellationToken.None));
        var ex = await Assert.ThrowsAsync<SandboxSetupException>(() => With().ResolveAsync("python:3.12", CancellationToken.None));
        Assert.Contains("does not pull", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agentgym-cpu", "agentgym-cpu", null)]
    [InlineData("agentgym-cpu:latest", "agentgym-cpu", "latest")]
    [InlineData("localhost:5000/agentgym-cpu", "localhost:5000/agentgym-cpu", null)]
    [InlineData("localhost:5000/agentgym-cpu:v1", "localhost:5000/agentgym-cpu", "v1")]
    public void Split_tells_tags_from_registry_ports(string image, string name, string? tag) =>
        Assert.Equal((name, tag), ImageResolver.Split(image));

    [Fact]
    public void Only_unqualified_agentgym_names_are_recipe_aliases()
    {
        Assert.Equal("cpu", ImageResolver.RecipeName("agentgym-cpu"));
        Assert.Null(ImageResolver.RecipeName("docker.io/agentgym-cpu"));
        Assert.Null(ImageResolver.RecipeName("python"));
        Assert.Null(ImageResolver.RecipeName("agentgym-"));
    }
}

public sealed class DockerEngineTests
{
    [Fact]
    public void Transient_errors_are_5xx_and_connection_problems_only()
    {
        Assert.True(DockerEngine.IsTransient(new DockerApiException(HttpStatusCode.InternalServerError, "boom")));
        Assert.True(DockerEngine.IsTransient(new DockerApiException(HttpStatusCode.ServiceUnavailable, "busy")));
        Assert.False(DockerEngine.IsTransient(new DockerApiException(HttpStatusCode.NotFound, "no such image")));
        Assert.False(DockerEngine.IsTransient(new DockerApiException(HttpStatusCode.Conflict, "name in use")));
        Assert.True(DockerEngine.IsTransient(new HttpRequestException("reset")));
        Assert.True(DockerEngine.IsTransient(new IOException("broken pipe")));
        Assert.False(DockerEngine.IsTransient(new OperationCanceledException()));
        Assert.True(DockerEngine.IsUnreachable(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.False(DockerEngine.IsUnreachable(new DockerApiException(HttpStatusCode.InternalServerError, "boom")));
    }

    [Fact]
    public async Task The_pipeline_retries_a_bounded_number_of_times()
    {
        var pipeline = DockerEngine.BuildPipeline(new DockerRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.Zero }, TimeProvider.System);
        var attempts = 0;
        await Assert.ThrowsAsync<DockerApiException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new DockerApiException(HttpStatusCode.InternalServerError, "boom");
        }, CancellationToken.None));
        Assert.Equal(3, attempts);

        attempts = 0;
        await Assert.ThrowsAsync<DockerApiException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new DockerApiException(HttpStatusCode.NotFound, "missing");
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task An_unreachable_engine_gives_one_clear_sandbox_error()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"agentgym-no-engine-{Guid.NewGuid():N}.sock");
        var options = new DockerSandboxOptions { Endpoint = new Uri("unix://" + socket), Retry = new DockerRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) } };
        using var sandbox = new DockerSandbox(options, TimeProvider.System);
        var work = Directory.CreateTempSubdirectory("agentgym-unreach-").FullName;
        try
        {
            var result = await sandbox.RunAsync(new SandboxRunRequest
            {
                RunId = "run-1", EpisodeId = "ep", WorkspaceDirectory = work, OutputDirectory = work, Command = ["true"],
                Image = "agentgym-cpu", TimeLimit = TimeSpan.FromSeconds(10),
            }, new NullOutput(), CancellationToken.None);
            Assert.Equal(RunOutcome.SandboxError, result.Outcome);
            Assert.Equal($"Docker engine not reachable at unix://{socket}: start it with `scripts/ensure-docker.sh` (or `dockerd &`)", result.Reason);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed class NullOutput : ISandboxOutput
    {
        public void OnLine(SandboxLine line) { }
    }
}
