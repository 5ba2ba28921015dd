namespace AgentGym.Core.Tasks;

/// <summary>Every task found under a tasks folder, plus the manifests that failed to load and why.</summary>
public sealed class TaskCatalog
{
    private readonly Dictionary<string, TaskManifest> _byId;

    internal TaskCatalog(string root, IReadOnlyList<TaskManifest> tasks, IReadOnlyList<TaskLoadError> errors)
    {
        Root = root;
        Tasks = tasks;
        Errors = errors;
        _byId = tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
    }

    public string Root { get; }
    public IReadOnlyList<TaskManifest> Tasks { get; }
    public IReadOnlyList<TaskLoadError> Errors { get; }

    public bool TryGet(string id, out TaskManifest task) => _byId.TryGetValue(id, out task!);

    public TaskManifest Get(string id)
    {
        if (TryGet(id, out var task)) return task;
        var error = Errors.FirstOrDefault(e => e.File.Contains(id.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal));
        var hint = error is not null
            ? $" Its manifest failed to load: {error}."
            : $" Known tasks: {string.Join(", ", Tasks.Select(t => t.Id).Take(20))}{(Tasks.Count > 20 ? ", ..." : "")}.";
        throw new KeyNotFoundException($"No task '{id}' under {Root}.{hint}");
    }

    /// <summary>Loads every tasks/**/task.json; a bad manifest is reported, never hides the good ones.</summary>
    public static TaskCatalog Load(string tasksRoot) => TaskLoader.LoadAll(tasksRoot);
}
