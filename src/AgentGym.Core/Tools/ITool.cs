using System.Text.Json;
using AgentGym.Core.Gym;

namespace AgentGym.Core.Tools;

internal interface ITool
{
    ToolDescriptor Descriptor { get; }

    /// <summary>How to see what a cut observation left out, as the end of a sentence ("call read_file with start_line").</summary>
    string SeeTheRest { get; }

    /// <summary>Runs the tool. Arguments are already checked against the schema; expected failures return an error result.</summary>
    Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken);
}
