using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentGym.Eval.Results;

/// <summary>
/// The results file (SQLite, one file). Cells carry a status; an episode's rows (episode, runs, verdict, checks,
/// steps) are written in one transaction together with the cell's "done", so a killed process leaves either all of a
/// cell's rows or none. A cell found "running" belonged to a process that died: it is made pending again and any rows
/// it has are deleted before it is redone (defensive: with one transaction per cell there should be none).
/// </summary>
internal sealed class ResultsStore : IAsyncDisposable
{
    public const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private ResultsStore(SqliteConnection connection) => _connection = connection;

    public static async Task<ResultsStore> OpenAsync(string path, bool create, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        if (!create && !File.Exists(full)) throw new FileNotFoundException($"No results file at {full}.", full);
        if (create) Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false, // the file is closed for real on dispose (tests delete it; a killed process holds nothing)
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var store = new ResultsStore(connection);
        try
        {
            // WAL: readers (agentgym report while an eval runs) never block the writer; synchronous=FULL so that a
            // committed cell survives a machine crash, not just a killed process.
            await store.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;", cancellationToken).ConfigureAwait(false);
            if (create) await store.ExecuteAsync(Schema, cancellationToken).ConfigureAwait(false);
            await store.CheckVersionAsync(full, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public SqliteConnection Connection => _connection;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');
        CREATE TABLE IF NOT EXISTS invocations(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, spec_json TEXT NOT NULL, started_at TEXT NOT NULL,
            finished_at TEXT, pid INTEGER NOT NULL, host TEXT NOT NULL, outcome TEXT);
        CREATE TABLE IF NOT EXISTS cells(
            id INTEGER PRIMARY KEY, cell_key TEXT NOT NULL UNIQUE, ordinal INTEGER NOT NULL,
            task_id TEXT NOT NULL, hints TEXT NOT NULL, agent TEXT NOT NULL, agent_kind TEXT NOT NULL,
            agent_config TEXT NOT NULL, agent_config_hash TEXT NOT NULL, seed INTEGER NOT NULL,
            status TEXT NOT NULL CHECK(status IN ('pending', 'running', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0, episode_id TEXT, started_at TEXT, finished_at TEXT, error TEXT);
        CREATE TABLE IF NOT EXISTS episodes(
            cell_id INTEGER PRIMARY KEY REFERENCES cells(id) ON DELETE CASCADE,
            episode_id TEXT NOT NULL UNIQUE, episode_dir TEXT NOT NULL, agent TEXT NOT NULL, model TEXT,
            steps INTEGER NOT NULL, reward REAL NOT NULL, terminated INTEGER NOT NULL, truncated INTEGER NOT NULL,
            stop_reason TEXT, submitted_run TEXT, verdict TEXT NOT NULL,
            verified_val_loss REAL, verified_train_time_ms REAL, fsr REAL,
            target_val_loss REAL NOT NULL, baseline_time_ms REAL NOT NULL, record_time_ms REAL NOT NULL,
            model_calls INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL,
            cost_usd REAL, wall_ms REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS runs(
            id INTEGER PRIMARY KEY, cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE, run_id TEXT NOT NULL,
            state TEXT NOT NULL, exit_code INTEGER, reason TEXT, final_val_loss REAL, train_time_ms REAL, elapsed_s REAL,
            buggy INTEGER NOT NULL, valid INTEGER NOT NULL, improved INTEGER NOT NULL, start_code INTEGER NOT NULL,
            submitted INTEGER NOT NULL, node INTEGER, stage TEXT, curve TEXT NOT NULL,
            UNIQUE(cell_id, run_id));
        CREATE TABLE IF NOT EXISTS verdicts(
            cell_id INTEGER PRIMARY KEY REFERENCES cells(id) ON DELETE CASCADE,
            passed INTEGER NOT NULL, reward REAL NOT NULL, summary TEXT NOT NULL, checks TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS checks(
            cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE, name TEXT NOT NULL,
            passed INTEGER NOT NULL, skipped INTEGER NOT NULL, reason TEXT,
            PRIMARY KEY(cell_id, name));
        CREATE TABLE IF NOT EXISTS steps(
            cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE, step INTEGER NOT NULL, kind TEXT NOT NULL,
            tool TEXT, arguments TEXT, observation TEXT NOT NULL, is_error INTEGER NOT NULL, reward REAL NOT NULL,
            terminated INTEGER NOT NULL, truncated INTEGER NOT NULL, duration_ms REAL NOT NULL, info TEXT,
            PRIMARY KEY(cell_id, step));
        """;

    private async Task CheckVersionAsync(string path, CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        object? value;
        try
        {
            value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw new InvalidDataException($"{path} is not an AgentGym results file ({ex.Message}).", ex);
        }
        if (value is not string s || s != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path} has results schema version {value ?? "(none)"}; this build reads version {SchemaVersion}.");
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, null, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public SqliteCommand Command(string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Runs work in one transaction, one writer at a time (cells finish concurrently).</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await work(transaction).ConfigureAwait(false);
            // Not cancellable: once the rows are built, committing them is what keeps the results honest.
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Command(sql, null, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(map(reader));
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

internal static class ReaderExtensions
{
    public static double? Double(this SqliteDataReader r, string name) { var i = r.GetOrdinal(name); return r.IsDBNull(i) ? null : r.GetDouble(i); }
    public static long? Long(this SqliteDataReader r, string name) { var i = r.GetOrdinal(name); return r.IsDBNull(i) ? null : r.GetInt64(i); }
    public static string? Text(this SqliteDataReader r, string name) { var i = r.GetOrdinal(name); return r.IsDBNull(i) ? null : r.GetString(i); }
    public static bool Bool(this SqliteDataReader r, string name) => r.Long(name) is { } v && v != 0;
}
