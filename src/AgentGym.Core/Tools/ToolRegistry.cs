using System.Text.Json;
using AgentGym.Core.Gym;

namespace AgentGym.Core.Tools;

/// <summary>The tools by name; checks arguments and turns every failure into an error result.</summary>
internal sealed class ToolRegistry
{
    private readonly Dictionary<string, ITool> _tools;

    public ToolRegistry(IEnumerable<ITool> tools)
    {
        _tools = tools.ToDictionary(t => t.Descriptor.Name, StringComparer.Ordinal);
        Descriptors = _tools.Values.Select(t => t.Descriptor).ToList();
    }

    public IReadOnlyList<ToolDescriptor> Descriptors { get; }

    public static ToolRegistry CreateDefault() => new(
    [
        new ListFilesTool(), new ReadFileTool(), new EditFileTool(), new WriteFileTool(), new InsertLinesTool(),
        new UndoEditTool(), new DiffTool(),
        new RunTrainingTool(), new RunStatusTool(), new InspectLogsTool(), new GetMetricsTool(), new CancelRunTool(),
        new SubmitTool(),
    ]);

    /// <summary>
    /// Runs a call and caps its observation: the one place where every observation, error or not, is held to
    /// <see cref="ToolLimits.ObservationMaxChars"/>, with a note that says what was cut and how to see the rest.
    /// </summary>
    public async Task<ToolResult> InvokeAsync(ToolCall call, ToolContext context, CancellationToken cancellationToken)
    {
        var result = await InvokeUncappedAsync(call, context, cancellationToken).ConfigureAwait(false);
        var seeTheRest = call.Name is not null && _tools.TryGetValue(call.Name, out var tool) ? tool.SeeTheRest : "send a shorter call";
        return ObservationLimit.Apply(result, context.Limits.ObservationMaxChars, seeTheRest);
    }

    private async Task<ToolResult> InvokeUncappedAsync(ToolCall call, ToolContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(call.Name) || !_tools.TryGetValue(call.Name, out var tool))
            return ToolResult.Error($"Unknown tool '{call.Name}'. Available tools: {string.Join(", ", _tools.Keys)}.");

        if (!ArgumentValidator.TryParse(call.Name, call.ArgumentsJson, tool.Descriptor.ParametersSchema, out var arguments, out var error))
            return ToolResult.Error(error);

        try
        {
            return await tool.InvokeAsync(arguments, context, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolFailure failure)
        {
            return ToolResult.Error(failure.Message);
        }
        catch (JsonException ex)
        {
            // The serializer's own message names CLR types; say it in the schema's words.
            return ToolResult.Error($"Invalid arguments for {call.Name}: the value at {ex.Path ?? "the top level"} does not fit its argument. Expected: {ArgumentValidator.Usage(tool.Descriptor.ParametersSchema)}.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"{call.Name} failed: {ex.Message}");
        }
    }
}
