using System.Text.Json;
using AgentGym.Core.Environment;

namespace AgentGym.Core.Tools;

internal interface ITool
{
    ToolDescriptor Descriptor { get; }

    /// <summary>Runs the tool. Arguments are already checked against the schema; expected failures return an error result.</summary>
    Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken);
}
