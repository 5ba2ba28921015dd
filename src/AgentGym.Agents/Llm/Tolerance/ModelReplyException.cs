namespace AgentGym.Agents.Llm.Tolerance;

/// <summary>
/// A model reply that could not be understood, naming the field at fault (e.g. "choices",
/// "choices[0].message"). It is retryable: the retry layer asks again, and when the retries are spent the agent loses
/// that one model turn (the model is told what was wrong), never the episode.
/// </summary>
public sealed class ModelReplyException : Exception
{
    public ModelReplyException(string field, string problem)
        : base($"The model's reply could not be read: {field} {problem}.")
    {
        Field = field;
    }

    public ModelReplyException()
        : this("(reply)", "was not understood")
    {
    }

    public ModelReplyException(string message)
        : this("(reply)", message)
    {
    }

    public ModelReplyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "(reply)";
    }

    /// <summary>The JSON path of the offending field in OpenAI's chat completion shape.</summary>
    public string Field { get; }
}
