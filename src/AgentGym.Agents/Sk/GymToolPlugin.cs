using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using Microsoft.SemanticKernel;

namespace AgentGym.Agents.Sk;

/// <summary>
/// The environment's tools as Semantic Kernel functions, built from <see cref="IGymEnvironment.Tools"/>: each function
/// has the tool's own name, description and per-argument JSON schema (ToolDescriptor.ParametersSchema), so nothing is
/// declared twice. Invoking one (for kernels that auto-invoke) steps the environment and returns the observation;
/// AgentGym's own runner never auto-invokes but turns each model call into a ToolCall itself.
/// </summary>
public static class GymToolPlugin
{
    public const string DefaultPluginName = "gym";

    /// <summary>A plugin for a kernel. Note that the model then sees "gym-read_file" style names (SK's plugin prefix).</summary>
    public static KernelPlugin Create(IGymEnvironment environment, string pluginName = DefaultPluginName)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return KernelPluginFactory.CreateFromFunctions(pluginName, CreateFunctions(environment));
    }

    /// <summary>The functions without a plugin, so the model sees exactly the tool names (read_file, submit, ...).</summary>
    public static IReadOnlyList<KernelFunction> CreateFunctions(IGymEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.Tools.Select(tool => CreateFunction(tool, (call, token) => environment.StepAsync(call, token))).ToList();
    }

    /// <summary>
    /// The same functions as declarations only, for agents that execute calls themselves: invoking one fails, so a
    /// client that auto-invokes anyway cannot step the environment behind the gym's back.
    /// </summary>
    internal static IReadOnlyList<KernelFunction> CreateDeclarations(IReadOnlyList<ToolDescriptor> tools) =>
        tools.Select(tool => CreateFunction(tool, (_, _) => throw new InvalidOperationException(
            $"AgentGym executes '{tool.Name}' itself; the chat client must not invoke functions (no auto-invoke, no UseFunctionInvocation)."))).ToList();

    private static KernelFunction CreateFunction(ToolDescriptor tool, Func<ToolCall, CancellationToken, Task<StepResult>> step)
    {
        var properties = tool.ParametersSchema["properties"] as JsonObject ?? [];
        var required = (tool.ParametersSchema["required"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var parameters = properties.Select(p => new KernelParameterMetadata(p.Key)
        {
            Description = p.Value?["description"]?.GetValue<string>(),
            IsRequired = required.Contains(p.Key),
            Schema = KernelJsonSchema.Parse(p.Value?.ToJsonString() ?? "{}"),
        }).ToList();

        async Task<string> InvokeAsync(KernelArguments arguments, CancellationToken cancellationToken)
        {
            var call = new ToolCall(tool.Name, ArgumentsJson(arguments, properties));
            var result = await step(call, cancellationToken).ConfigureAwait(false);
            return result.Observation.Text;
        }

        return KernelFunctionFactory.CreateFromMethod(
            InvokeAsync,
            JsonDefaults.Options,
            new KernelFunctionFromMethodOptions
            {
                FunctionName = tool.Name,
                Description = tool.Description,
                Parameters = parameters,
                ReturnParameter = new KernelReturnParameterMetadata { Description = "The observation." },
            });
    }

    /// <summary>
    /// Kernel arguments back to tool JSON. SK's OpenAI connector turns every argument into a string, so numbers and
    /// booleans are restored from the schema; a value that does not parse is passed on as the string, and the
    /// environment's argument check says what is wrong.
    /// </summary>
    internal static string ArgumentsJson(KernelArguments arguments, JsonObject properties)
    {
        var json = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            var type = properties[name]?["type"]?.GetValue<string>();
            json[name] = value switch
            {
                null => null,
                JsonElement e => JsonNode.Parse(e.GetRawText()),
                JsonNode n => n.DeepClone(),
                string s when type == "integer" && long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var l) => l,
                string s when type == "number" && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
                string s when type == "boolean" && bool.TryParse(s, out var b) => b,
                string s => s,
                _ => JsonSerializer.SerializeToNode(value, JsonDefaults.Options),
            };
        }
        return json.ToJsonString(JsonDefaults.Options);
    }
}
