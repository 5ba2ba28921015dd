using System.Collections.Concurrent;
using AgentGym.Core.Gym;

namespace AgentGym.Server.Episodes;

/// <summary>The HTTP API's open episodes by id, each with its own environment built from the host's GymOptions.</summary>
internal sealed class EpisodeStore(GymOptions gym, EnvironmentSlots slots, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, HostedEpisode> _episodes = new(StringComparer.Ordinal);

    public IReadOnlyList<HostedEpisode> All => _episodes.Values.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();

    public async Task<(HostedEpisode Episode, ResetResult Reset)> CreateAsync(ResetOptions options, CancellationToken cancellationToken)
    {
        var slot = slots.Take();
        var environment = GymEnvironment.Create(gym);
        try
        {
            var feed = new VerificationFeed();
            var reset = await environment.ResetAsync(options with { VerificationProgress = feed }, cancellationToken).ConfigureAwait(false);
            var episode = new HostedEpisode(environment, environment.Episode!, slot, time.GetUtcNow(), feed);
            if (!_episodes.TryAdd(episode.Id, episode))
                throw new InvalidOperationException($"Episode id {episode.Id} is already in use.");
            return (episode, reset);
        }
        catch
        {
            await environment.DisposeAsync().ConfigureAwait(false);
            slot.Dispose();
            throw;
        }
    }

    public HostedEpisode? Find(string id) => _episodes.TryGetValue(id, out var episode) ? episode : null;

    public async Task<bool> CloseAsync(string id)
    {
        if (!_episodes.TryRemove(id, out var episode)) return false;
        await episode.CloseAsync().ConfigureAwait(false);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _episodes.Keys.ToList()) await CloseAsync(id).ConfigureAwait(false);
    }
}
