namespace AgentGym.Server;

/// <summary>A running server. Disposing it stops Kestrel and closes every episode (their runs are cancelled).</summary>
public interface IGymServer : IAsyncDisposable
{
    /// <summary>The addresses Kestrel actually bound (port 0 resolved).</summary>
    IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Completes when the server is asked to stop (SIGINT/SIGTERM); the owner then disposes it.</summary>
    Task Completion { get; }
}
