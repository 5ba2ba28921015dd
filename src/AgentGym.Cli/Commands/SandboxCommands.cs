using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.Cli.Commands;

/// <summary>`agentgym sandbox build &lt;recipe&gt;` and `agentgym sandbox check`: build the sandbox images and see whether runs can work.</summary>
internal static class SandboxCommands
{
    public static Command Create()
    {
        var sandbox = new Command("sandbox", "Build and check the sandbox images that run training scripts");
        sandbox.Subcommands.Add(CreateBuild());
        sandbox.Subcommands.Add(CreateCheck());
        return sandbox;
    }

    private static Command CreateBuild()
    {
        var recipe = new Argument<string>("name") { Description = "The recipe under sandbox-images/, e.g. cpu" };
        var build = new Command("build", "Build an image from sandbox-images/<name>/build.sh (a no-op when the recipe's tag already exists)");
        build.Arguments.Add(recipe);
        build.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var name = parse.GetValue(recipe)!;
            if (SandboxImageRecipes.FindRepositoryRoot() is not { } root)
            {
                await Console.Error.WriteLineAsync("No AgentGym.sln found in this folder or above: run this from the repository.").ConfigureAwait(false);
                return 2;
            }
            if (SandboxImageRecipes.RecipeDirectory(root, name) is not { } dir)
            {
                var known = Directory.Exists(Path.Combine(root, "sandbox-images"))
                    ? Directory.GetDirectories(Path.Combine(root, "sandbox-images")).Where(d => File.Exists(Path.Combine(d, "build.sh"))).Select(Path.GetFileName)
                    : [];
                await Console.Error.WriteLineAsync($"No recipe '{name}' (no sandbox-images/{name}/build.sh). Known recipes: {string.Join(", ", known.DefaultIfEmpty("none"))}.").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"building {SandboxImageRecipes.ImagePrefix}{name}:{SandboxImageRecipes.ComputeTag(dir)} with {Path.GetRelativePath(root, Path.Combine(dir, "build.sh"))}");
            return await RunStreamingAsync("bash", [Path.Combine(dir, "build.sh")], root, cancellationToken).ConfigureAwait(false);
        });
        return build;
    }

    private static Command CreateCheck()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var image = new Option<string?>("--image") { Description = "The image to check (default: agentgym-cpu)" };
        var kind = new Option<string>("--sandbox") { Description = "docker (the local engine) or slurm (the cluster, AGENTGYM_SLURM_* settings)", DefaultValueFactory = _ => "docker" };
        var check = new Command("check", "Check the Docker engine (or the Slurm cluster), the sandbox image, PyTorch inside it and the GPUs");
        check.Options.Add(json);
        check.Options.Add(image);
        check.Options.Add(kind);
        check.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            if (parse.GetValue(kind) == "slurm") return await SlurmCheck.RunAsync(parse.GetValue(image), parse.GetValue(json), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(kind) != "docker")
            {
                await Console.Error.WriteLineAsync($"error: --sandbox must be docker or slurm, not '{parse.GetValue(kind)}'").ConfigureAwait(false);
                return 2;
            }
            var options = new DockerSandboxOptions { RepositoryRoot = SandboxImageRecipes.FindRepositoryRoot() };
            var report = await Sandboxes.CheckDockerAsync(options, parse.GetValue(image), cancellationToken).ConfigureAwait(false);
            string? torch = null, torchError = null;
            if (report.ResolvedImage is { } resolved)
                (torch, torchError) = await TorchCheckAsync(options, resolved, cancellationToken).ConfigureAwait(false);
            var gpus = report.NvidiaRuntime ? "nvidia runtime present" : "none (no nvidia runtime on this engine)";
            var ok = report.Reachable && report.ResolvedImage is not null && torch is not null;
            if (parse.GetValue(json))
            {
                var node = new JsonObject
                {
                    ["ok"] = ok,
                    ["endpoint"] = report.Endpoint,
                    ["reachable"] = report.Reachable,
                    ["error"] = report.Error,
                    ["server_version"] = report.ServerVersion,
                    ["api_version"] = report.ApiVersion,
                    ["cgroup_version"] = report.CgroupVersion,
                    ["cpus"] = report.Cpus,
                    ["memory_bytes"] = report.MemoryBytes,
                    ["runtimes"] = new JsonArray(report.Runtimes.Select(r => (JsonNode?)r).ToArray()),
                    ["image"] = report.Image,
                    ["resolved_image"] = report.ResolvedImage,
                    ["image_error"] = report.ImageError,
                    ["torch"] = torch,
                    ["torch_error"] = torchError,
                    ["gpus"] = gpus,
                };
                Console.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                return ok ? 0 : 1;
            }
            if (!report.Reachable)
            {
                Console.WriteLine($"engine:  {report.Error}");
                return 1;
            }
            Console.WriteLine($"engine:  Docker {report.ServerVersion} (API {report.ApiVersion}) at {report.Endpoint}; cgroup v{report.CgroupVersion}, {report.Cpus} CPUs, {report.MemoryBytes / (1024 * 1024 * 1024.0):0.#} GiB");
            Console.WriteLine(report.ResolvedImage is not null ? $"image:   {report.Image} -> {report.ResolvedImage}" : $"image:   {report.ImageError}");
            if (report.ResolvedImage is not null)
                Console.WriteLine(torch is not null ? $"torch:   {torch} (version, threads) in the sandbox" : $"torch:   FAILED: {torchError}");
            Console.WriteLine($"gpus:    {gpus}; runtimes: {string.Join(", ", report.Runtimes)}");
            return ok ? 0 : 1;
        });
        return check;
    }

    /// <summary>Runs the one-line torch check through the real Docker sandbox, so the check covers the run path itself.</summary>
    private static async Task<(string? Torch, string? Error)> TorchCheckAsync(DockerSandboxOptions options, string image, CancellationToken cancellationToken)
    {
        var sandbox = Sandboxes.CreateDocker(options);
        using var _ = sandbox as IDisposable;
        return await TorchCheckAsync(sandbox, image, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one-line torch check through any sandbox: (torch version and threads, null) or (null, why not).</summary>
    internal static async Task<(string? Torch, string? Error)> TorchCheckAsync(ISandbox sandbox, string image, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("agentgym-check-");
        try
        {
            var lines = new LineBuffer();
            var result = await sandbox.RunAsync(new SandboxRunRequest
            {
                RunId = "check",
                EpisodeId = "sandbox-check",
                WorkspaceDirectory = work.CreateSubdirectory("workspace").FullName,
                OutputDirectory = work.CreateSubdirectory("outputs").FullName,
                Command = ["python3", "-c", "import torch;print(torch.__version__, torch.get_num_threads())"],
                Image = image,
                Limits = new SandboxLimits { Cpus = 1, MemoryMb = 1024, Pids = 64, DiskMb = 16 },
                TimeLimit = TimeSpan.FromMinutes(2),
            }, lines, cancellationToken).ConfigureAwait(false);
            return result.Outcome == RunOutcome.Succeeded && lines.Stdout.LastOrDefault() is { } line
                ? (line, null)
                : (null, $"{result.Outcome}: {result.Reason}; {string.Join(" | ", lines.All.TakeLast(5))}");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<int> RunStreamingAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Out.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await Console.Error.WriteLineAsync("build cancelled").ConfigureAwait(false);
            return 130;
        }
        if (process.ExitCode != 0)
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"build.sh exited with code {process.ExitCode}")).ConfigureAwait(false);
        return process.ExitCode;
    }

    private sealed class LineBuffer : ISandboxOutput
    {
        private readonly List<SandboxLine> _lines = [];

        public IEnumerable<string> Stdout => _lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text);
        public IEnumerable<string> All => _lines.Select(l => l.Text);

        public void OnLine(SandboxLine line)
        {
            if (_lines.Count < 200) _lines.Add(line);
        }
    }
}
