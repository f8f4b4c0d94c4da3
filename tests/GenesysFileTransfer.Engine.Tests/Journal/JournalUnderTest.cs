using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// A fresh, empty journal of one kind for one contract test: a SQLite file in a new folder, or a new schema in the test
/// class's database on the test run's PostgreSQL server. <see cref="Open"/> opens another instance on the same store,
/// as another process would.
/// </summary>
internal sealed class JournalUnderTest : IDisposable
{
    private readonly TempJournal? _file;
    private readonly PostgresServer? _server;
    private readonly string? _connectionString;
    private readonly List<ITransferJournal> _opened = new();

    public JournalUnderTest(string kind, PostgresServer server, string owner)
    {
        Kind = kind;
        switch (kind)
        {
            case "sqlite":
                _file = new TempJournal();
                break;
            case "postgres":
                _server = server;
                _connectionString = server.NewJournal(owner);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Journal kinds are sqlite and postgres.");
        }
    }

    /// <summary>The journal stores every contract suite runs against.</summary>
    public static TheoryData<string> Kinds => new() { "sqlite", "postgres" };

    public string Kind { get; }

    public ITransferJournal Open()
    {
        ITransferJournal journal = _file != null ? _file.Open() : _server!.Open(_connectionString!);
        lock (_opened)
        {
            _opened.Add(journal);
        }

        return journal;
    }

    public void Dispose()
    {
        lock (_opened)
        {
            foreach (ITransferJournal journal in _opened)
            {
                journal.Dispose();
            }
        }

        _file?.Dispose();
    }
}
