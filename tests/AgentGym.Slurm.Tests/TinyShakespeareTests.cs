using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Sandbox;

namespace AgentGym.Slurm.Tests;

/// <summary>
/// The shipped quick tiny-shakespeare task's real script (record 2), a few steps of it, trained once through Slurm with
/// the Docker runtime and once through the Docker backend: same image, data, seed and CPUs, so the same losses.
/// </summary>
public sealed partial class TinyShakespeareTests : IDisposable
{
    private const string TaskId = "tiny-shakespeare/record-2-quick";
    private readonly string _root = Directory.CreateTempSubdirectory("agentgym-slurm-ts-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [SlurmFact]
    public async Task The_script_trains_through_slurm_with_the_same_losses_as_the_docker_backend()
    {
        var task = TaskCatalog.Load(RepoPaths.Tasks).Get(TaskId);
        var data = await DataDirectoryAsync();
        using var docker = (IDisposable)Sandboxes.CreateDocker(new DockerSandboxOptions { RepositoryRoot = RepoPaths.Root });
        var slurm = Sandboxes.CreateSlurm(new SlurmSandboxOptions { SharedDirectory = Path.Combine(_root, "shared"), RepositoryRoot = RepoPaths.Root });

        var viaSlurm = await TrainAsync(slurm, task, data, "slurm");
        var viaDocker = await TrainAsync((ISandbox)docker, task, data, "docker");

        Assert.True(viaSlurm.Result.Outcome == RunOutcome.Succeeded, $"{viaSlurm.Result.Reason}\n{string.Join("\n", viaSlurm.Output.All.Select(l => l.Text).TakeLast(20))}");
        Assert.Equal(RunOutcome.Succeeded, viaDocker.Result.Outcome);
        var losses = Losses(viaSlurm.Output.Stdout);
        Assert.Equal(16, losses.Count(l => l.Kind == "train_loss"));
        Assert.Contains(losses, l => l.Kind == "val_loss");
        Assert.Equal(Losses(viaDocker.Output.Stdout), losses);
        Assert.True(File.Exists(Path.Combine(_root, "slurm", "outputs", "model.pt")), "the exported model came back from the shared folder");
    }

    private async Task<(SandboxRunResult Result, Lines Output)> TrainAsync(ISandbox sandbox, TaskManifest task, string data, string name)
    {
        var folder = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.Combine(folder, "workspace"));
        foreach (var file in task.StartingFiles) // plain files for this task
            File.Copy(Path.Combine(task.Directory, file), Path.Combine(folder, "workspace", Path.GetFileName(file)));
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AGENTGYM_TRAIN_FILES"] = "/data/" + task.Data.TrainFiles,
            ["AGENTGYM_VAL_FILES"] = "/data/" + task.Data.ValFiles,
            ["AGENTGYM_VAL_TOKENS"] = task.Data.ValTokens.ToString(CultureInfo.InvariantCulture),
            ["AGENTGYM_OUTPUT_DIR"] = "/outputs",
            ["AGENTGYM_SEED"] = "1",
        };
        foreach (var (key, value) in task.Environment) env[key] = value;
        // A few steps are enough to compare the two backends; the real training is not the point here.
        env["AGENTGYM_MAX_STEPS"] = "16";
        env["AGENTGYM_VAL_EVERY"] = "8";
        var r = task.Resources;
        var output = new Lines();
        var result = await sandbox.RunAsync(new SandboxRunRequest
        {
            RunId = name,
            EpisodeId = "slurm-ts",
            WorkspaceDirectory = Path.Combine(folder, "workspace"),
            OutputDirectory = Path.Combine(folder, "outputs"),
            DataDirectory = Path.Combine(data, task.Data.Dataset!, "visible"),
            Command = task.EntryCommand,
            Environment = env,
            Image = task.Sandbox.Image,
            Limits = new SandboxLimits { Cpus = r.Cpus, MemoryMb = r.MemoryMb, Pids = r.Pids, ShmMb = r.ShmMb, DiskMb = r.DiskMb },
            TimeLimit = TimeSpan.FromMinutes(8),
        }, output, CancellationToken.None);
        return (result, output);
    }

    /// <summary>Every (step, kind, value) loss the script printed, in order.</summary>
    private static List<(int Step, string Kind, string Value)> Losses(IEnumerable<string> stdout) =>
        stdout.Select(l => LossLine().Match(l)).Where(m => m.Success)
            .Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, m.Groups[3].Value)).ToList();

    [GeneratedRegex(@"^step:(\d+)/\d+ (train_loss|val_loss):([0-9.]+)")]
    private static partial Regex LossLine();

    /// <summary>$AGENTGYM_DATA when it holds the prepared dataset; otherwise `agentgym data prepare` into this test's folder.</summary>
    private async Task<string> DataDirectoryAsync()
    {
        if (System.Environment.GetEnvironmentVariable("AGENTGYM_DATA") is { Length: > 0 } shared
            && Directory.Exists(Path.Combine(shared, "tiny-shakespeare", "visible"))) return shared;
        var home = Path.Combine(_root, "home");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "agentgym.dll"), "data", "prepare", "tiny-shakespeare" }) info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = home;
        info.Environment.Remove("AGENTGYM_DATA");
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "data prepare failed: " + await error);
        return Path.Combine(home, "data");
    }
}
