namespace AgentGym.Core.Tasks;

/// <summary>Why one manifest could not be loaded: which file, which field, and what is wrong.</summary>
public sealed record TaskLoadError(string File, string Field, string Reason)
{
    public override string ToString() => $"{File}: {Field}: {Reason}";
}
