using AgentGym.Server.Http;
using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Episodes;

/// <summary>
/// Counts open environments (HTTP episodes and MCP sessions alike) against one limit: each can hold training runs and
/// disk, so a client looping on create must hit a clear 429 rather than exhaust the host.
/// </summary>
internal sealed class EnvironmentSlots(int max)
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    public IDisposable Take()
    {
        if (Interlocked.Increment(ref _open) > max)
        {
            Interlocked.Decrement(ref _open);
            throw new RequestRefused(StatusCodes.Status429TooManyRequests, "Too many episodes",
                $"{max} episodes are open, the server's limit; close one (DELETE /v1/episodes/{{id}}) or end an MCP session first.");
        }
        return new Slot(this);
    }

    private sealed class Slot(EnvironmentSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref owner._open);
        }
    }
}
