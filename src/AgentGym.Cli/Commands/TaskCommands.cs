using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;

namespace AgentGym.Cli.Commands;

internal static class TaskCommands
{
    public static Command Create()
    {
        var tasks = new Command("tasks", "List, show and import tasks.");
        tasks.Subcommands.Add(CreateList());
        tasks.Subcommands.Add(CreateShow());
        tasks.Subcommands.Add(SpeedrunCommands.CreateImportCommand());
        return tasks;
    }

    private static Command CreateList()
    {
        var json = CommonOptions.Json();
        var tasksDir = CommonOptions.TasksDir();
        var command = new Command("list", "List every task with its target, baseline and record times, and hint levels.") { json, tasksDir };
        command.SetAction(parse =>
        {
            var catalog = TaskCatalog.Load(CliPaths.Discover(parse.GetValue(tasksDir)).TasksDirectory);
            if (parse.GetValue(json))
            {
                var array = new JsonArray(catalog.Tasks.Select(t => (JsonNode)Summary(t)).ToArray());
                var errors = new JsonArray(catalog.Errors.Select(e => (JsonNode)JsonSerializer.SerializeToNode(e, JsonDefaults.Options)!).ToArray());
                Console.Out.WriteLine(new JsonObject { ["tasks"] = array, ["errors"] = errors }.ToJsonString(JsonDefaults.Indented));
            }
            else
            {
                var rows = catalog.Tasks.Select(t => new[]
                {
                    t.Id,
                    t.TargetValLoss.ToString(CultureInfo.InvariantCulture),
                    Seconds(t.BaselineTime),
                    Seconds(t.RecordTime),
                    HintLevels(t),
                    t.RequiresImport && !TaskIsImported(t) ? "needs import" : "",
                }).ToList();
                TextTable.Write(Console.Out, ["task", "target", "baseline", "record", "hints", "note"], rows);
                Console.Out.WriteLine($"{catalog.Tasks.Count} tasks in {catalog.Root}");
            }
            foreach (var error in catalog.Errors) Console.Error.WriteLine($"error: {error}");
            return catalog.Errors.Count == 0 ? 0 : 2;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("id") { Description = "Task id, e.g. tiny-shakespeare/record-1." };
        var json = CommonOptions.Json();
        var tasksDir = CommonOptions.TasksDir();
        var command = new Command("show", "Show one task's manifest.") { id, json, tasksDir };
        command.SetAction(parse =>
        {
            var catalog = TaskCatalog.Load(CliPaths.Discover(parse.GetValue(tasksDir)).TasksDirectory);
            var taskId = parse.GetValue(id)!;
            if (!catalog.TryGet(taskId, out var task))
            {
                try { catalog.Get(taskId); }
                catch (KeyNotFoundException ex) { Console.Error.WriteLine($"error: {ex.Message}"); }
                return 1;
            }
            var manifest = JsonSerializer.SerializeToNode(task, JsonDefaults.Options)!.AsObject();
            manifest["directory"] = task.Directory;
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(manifest.ToJsonString(JsonDefaults.Indented));
                return 0;
            }
            Console.Out.WriteLine($"{task.Id}: {task.Title}");
            Console.Out.WriteLine(task.Description.Trim());
            Console.Out.WriteLine();
            Console.Out.WriteLine($"target val loss  {task.TargetValLoss.ToString(CultureInfo.InvariantCulture)}");
            Console.Out.WriteLine($"baseline time    {Seconds(task.BaselineTime)}");
            Console.Out.WriteLine($"record time      {Seconds(task.RecordTime)}");
            Console.Out.WriteLine($"command          {string.Join(' ', task.EntryCommand)}");
            Console.Out.WriteLine($"image            {task.Sandbox.Image}");
            Console.Out.WriteLine($"resources        {task.Resources.Cpus.ToString(CultureInfo.InvariantCulture)} cpus, {task.Resources.MemoryMb} MB, {(task.Resources.Gpus == -1 ? "all" : task.Resources.Gpus.ToString(CultureInfo.InvariantCulture))} gpus");
            Console.Out.WriteLine($"verification     {task.Verification.Mode}, {task.Verification.Pairs} pairs{(task.Verification.NextRecord is null ? "" : " with the next record")}, p < {task.Verification.PValue.ToString(CultureInfo.InvariantCulture)}");
            Console.Out.WriteLine($"time limit       {task.TimeLimitSeconds} s");
            Console.Out.WriteLine($"hints            {HintLevels(task)}");
            Console.Out.WriteLine($"folder           {task.Directory}");
            return 0;
        });
        return command;
    }

    private static JsonObject Summary(TaskManifest t) => new()
    {
        ["id"] = t.Id,
        ["title"] = t.Title,
        ["target_val_loss"] = t.TargetValLoss,
        ["baseline_time_ms"] = t.BaselineTime.MeanMs,
        ["record_time_ms"] = t.RecordTime.MeanMs,
        ["hint_regimes"] = new JsonArray(HintRegimesOf(t).Select(r => (JsonNode)r).ToArray()),
        ["gpus"] = t.Resources.Gpus,
        ["imported"] = TaskIsImported(t),
    };

    private static string Seconds(TimeStats time) => time.StdMs > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{time.MeanMs / 1000:F1}±{time.StdMs / 1000:F1} s")
        : string.Create(CultureInfo.InvariantCulture, $"{time.MeanMs / 1000:F1} s");

    private static bool TaskIsImported(TaskManifest t) =>
        t.StartingFiles.All(f => File.Exists(Path.Combine(t.Directory, f)) || Directory.Exists(Path.Combine(t.Directory, f)));

    private static IEnumerable<string> AvailableLevels(TaskManifest t) =>
        new[] { "L1", "L2", "L3" }.Where(l => t.Hints.TryGetValue(l, out var f) && File.Exists(Path.Combine(t.Directory, f)));

    /// <summary>The benchmark's regimes this task can serve: none always, the others when their hint files exist.</summary>
    private static IEnumerable<string> HintRegimesOf(TaskManifest t)
    {
        var have = AvailableLevels(t).ToHashSet();
        return new[] { "none", "L1", "L2", "L3", "L1+L2", "L1+L2+L3" }.Where(r => r == "none" || r.Split('+').All(have.Contains));
    }

    private static string HintLevels(TaskManifest t) => string.Join(",", HintRegimesOf(t));
}
