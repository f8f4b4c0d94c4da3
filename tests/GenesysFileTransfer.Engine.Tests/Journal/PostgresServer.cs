using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GenesysFileTransfer.Engine.Journal.Postgres;
using Npgsql;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// A real PostgreSQL server for the test run: Debian's binaries, run as the unprivileged <c>postgres</c> user (the server
/// refuses root) in a fresh temporary data directory, listening on a free loopback port with password (SCRAM) auth, and
/// stopped and removed when the run ends, also when tests fail. A watchdog stops it too if the test process is killed.
/// A missing server is a failure that says how to install it, never a skip.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string AdminUser = "gft_admin";
    public const string AppUser = "gft_app";
    private const string Install = "Install it with 'apt-get install -y postgresql' (Debian, as root), or run 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers', which does.";
    private readonly ConcurrentDictionary<string, string> _databases = new();
    private readonly string _root;
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private Process? _watchdog;
    private int _disposed;

    public PostgresServer()
    {
        _bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL server binaries were not found (/usr/lib/postgresql/<version>/bin/initdb). " + Install);
        _asPostgresUser = Environment.UserName == "root";
        _root = Path.Combine(Path.GetTempPath(), "gft-pg-" + Guid.NewGuid().ToString("N")[..12]);
        DataDirectory = Path.Combine(_root, "data");
        SocketDirectory = Path.Combine(_root, "sock");
        Directory.CreateDirectory(SocketDirectory);
        AdminPassword = "admin-" + Guid.NewGuid().ToString("N");
        AppPassword = "app-" + Guid.NewGuid().ToString("N");
        string passwordFile = Path.Combine(_root, "pwfile");
        File.WriteAllText(passwordFile, AdminPassword + "\n");
        try
        {
            if (_asPostgresUser)
            {
                Run("chown", "-R", "postgres:postgres", _root);
            }

            PgTool("initdb", "-D", DataDirectory, "-A", "scram-sha-256", "--pwfile", passwordFile, "-U", AdminUser, "-E", "UTF8", "--locale=C", "--no-sync");
            File.Delete(passwordFile);
            Port = Start();
            StartWatchdog();
            using var admin = new NpgsqlConnection(AdminConnectionString("postgres"));
            admin.Open();
            using var role = new NpgsqlCommand($"CREATE ROLE {AppUser} LOGIN PASSWORD '{AppPassword}';", admin);
            role.ExecuteNonQuery();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; private set; }

    public string DataDirectory { get; }

    public string SocketDirectory { get; }

    public string AdminPassword { get; }

    public string AppPassword { get; }

    public string AdminConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={AdminUser};Password={AdminPassword};Database={database};Pooling=false";

    /// <summary>A database of its own, owned by the unprivileged application user, made once per <paramref name="owner"/> (a test class).</summary>
    public string Database(string owner) => _databases.GetOrAdd(owner, name =>
    {
        string database = "gft_" + new string(name.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray())[..Math.Min(40, name.Length)] + "_" + Guid.NewGuid().ToString("N")[..6];
        using var admin = new NpgsqlConnection(AdminConnectionString("postgres"));
        admin.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {database} OWNER {AppUser};", admin);
        create.ExecuteNonQuery();
        return database;
    });

    /// <summary>The application user's connection string to <paramref name="database"/> without a password (pass it as a credential).</summary>
    public string ConnectionString(string database, string? schema = null) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username={AppUser}" + (schema is null ? string.Empty : ";Search Path=" + schema);

    public NetworkCredential AppCredential => new(AppUser, AppPassword);

    /// <summary>A fresh, empty schema in the owner's database: a journal of its own for one test.</summary>
    public string NewJournal(string owner)
    {
        string database = Database(owner);
        string schema = "j_" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(ConnectionString(database) + ";Password=" + AppPassword + ";Pooling=false");
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE SCHEMA {schema};", connection);
        create.ExecuteNonQuery();
        return ConnectionString(database, schema);
    }

    public PostgresTransferJournal Open(string connectionString, TimeSpan? retryBudget = null) => PostgresTransferJournal.Open(connectionString, AppCredential, retryBudget);

    /// <summary>Runs SQL as the application user, bypassing the journal, as another program would.</summary>
    public object? Sql(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString + ";Password=" + AppPassword + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        object? value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>Stops the server (fast shutdown: every connection is cut) and starts it again on the same port.</summary>
    public void Restart(TimeSpan? downFor = null)
    {
        PgTool("pg_ctl", "-D", DataDirectory, "stop", "-m", "fast", "-w");
        if (downFor is TimeSpan pause)
        {
            Thread.Sleep(pause);
        }

        StartOn(Port);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                PgTool("pg_ctl", "-D", DataDirectory, "stop", "-m", "immediate", "-w");
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine("Stopping the test PostgreSQL server failed: " + ex.Message);
        }

        try
        {
            if (_watchdog is { HasExited: false })
            {
                _watchdog.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private int Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                int port = FreePort();
                StartOn(port);
                return port;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between the probe and the server's bind: try another.
            }
        }
    }

    private void StartOn(int port)
    {
        string log = Path.Combine(_root, "server.log");
        PgTool("pg_ctl", "-D", DataDirectory, "-l", log, "-w", "-t", "60", "start",
            "-o", $"-p {port} -k {SocketDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300");
        Port = port;
    }

    private void StartWatchdog()
    {
        // If this process dies without disposing the server (killed), the watchdog stops it within a few seconds.
        string script = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 2; done; {Path.Combine(_bin, "pg_ctl")} -D '{DataDirectory}' stop -m immediate >/dev/null 2>&1; rm -rf '{_root}'";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in _asPostgresUser ? new[] { "runuser", "-u", "postgres", "--", "sh", "-c", script } : new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        _watchdog = Process.Start(start);
    }

    private void PgTool(string tool, params string[] arguments)
    {
        string executable = Path.Combine(_bin, tool);
        if (_asPostgresUser)
        {
            Run("runuser", new[] { "-u", "postgres", "--", executable }.Concat(arguments).ToArray());
        }
        else
        {
            Run(executable, arguments);
        }
    }

    private static void Run(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{executable} {string.Join(' ', arguments)}' did not finish within 120 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{Path.GetFileName(executable)} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {errors.Result}{output.Result}");
        }
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(folder => Path.Combine(folder, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out int version) ? version : 0)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

/// <summary>One server for every test class that needs PostgreSQL, stopped when they are all done.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
