using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentGym.IntegrationTests;

/// <summary>
/// scripts/gpu-check.sh in its CPU dry-run mode: the same path as on a GPU host (backend, data preparation, both
/// records, per-step times, the time check on host-stamped lines), on the CPU with a few steps. Without a PyTorch on the
/// host it takes the docker backend with the agentgym-cpu image.
/// </summary>
public sealed class GpuCheckScriptTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("agentgym-gpu-check-").FullName;

    [DockerFact]
    public async Task The_cpu_dry_run_trains_both_records_and_their_timing_agrees()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "gpu-check.sh"), "--cpu-dry-run", "--out", _out])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.Environment["GPU_CHECK_MAX_STEPS"] = "6";
        start.Environment["GPU_CHECK_VAL_EVERY"] = "3";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("GPU CHECK PASSED", output, StringComparison.Ordinal);
        Assert.Contains("== speedup: n/a (a record did not reach the target)", output, StringComparison.Ordinal);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")))!;
        Assert.True(summary["ok"]!.GetValue<bool>());
        var records = summary["records"]!.AsArray();
        Assert.Equal([1, 6], records.Select(r => r!["record"]!.GetValue<int>()));
        foreach (var record in records)
        {
            Assert.Equal(0, record!["exit_code"]!.GetValue<int>());
            Assert.Equal(6, record["steps_run"]!.GetValue<int>());
            Assert.StartsWith("device: cpu ", record["device_line"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(6, record["step_ms"]!["first_10"]!.AsArray().Count);
            var timing = record["timing"]!;
            Assert.True(timing["agrees"]!.GetValue<bool>(), timing.ToJsonString());
            // Steps 2..6 are training intervals; the host saw them take about what the script reported.
            var reported = timing["reported_training_growth_ms"]!.GetValue<double>();
            var host = timing["host_training_ms"]!.GetValue<double>();
            Assert.True(reported > 0 && host > 0, timing.ToJsonString());
            Assert.Equal(1000 + 0.1 * host, timing["allowed_difference_ms"]!.GetValue<double>(), 0.1);
            Assert.True(File.Exists(Path.Combine(_out, $"record_{record["record"]}", "model.pt")));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_out, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
