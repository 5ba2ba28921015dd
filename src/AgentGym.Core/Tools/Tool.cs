using System.Text.Json;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;

namespace AgentGym.Core.Tools;

/// <summary>
/// A tool whose arguments are a record: the schema is generated from the record, so it cannot drift from the code
/// that reads the arguments.
/// </summary>
internal abstract class Tool<TArgs> : ITool where TArgs : class
{
    private ToolDescriptor? _descriptor;

    protected abstract string Name { get; }

    protected abstract string Description { get; }

    /// <summary>How to see what a cut observation left out; tools that page say how.</summary>
    public virtual string SeeTheRest => "narrow the call (a smaller range, a path or a filter) to see the rest";

    public ToolDescriptor Descriptor => _descriptor ??= new ToolDescriptor(Name, Description, ToolSchema.For<TArgs>());

    public Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var args = arguments.Deserialize<TArgs>(JsonDefaults.Options)
            ?? throw new ToolFailure($"{Name}: arguments must be a JSON object.");
        return ExecuteAsync(args, context, cancellationToken);
    }

    protected abstract Task<ToolResult> ExecuteAsync(TArgs args, ToolContext context, CancellationToken cancellationToken);
}

/// <summary>Arguments of a tool that takes none.</summary>
internal sealed record NoArguments;
