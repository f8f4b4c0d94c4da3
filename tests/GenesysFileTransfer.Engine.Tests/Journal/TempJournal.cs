using GenesysFileTransfer.Engine.Journal.Sqlite;
using Microsoft.Data.Sqlite;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>A journal file in a fresh folder, deleted with it afterwards.</summary>
internal sealed class TempJournal : IDisposable
{
    private readonly List<SqliteTransferJournal> _opened = new();

    public TempJournal()
    {
        Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gft-journal-" + Guid.NewGuid().ToString("N"));
        Path = System.IO.Path.Combine(Folder, "nested", "journal.db");
    }

    public string Folder { get; }

    /// <summary>In a folder that does not exist yet, so every test also proves the folder is created.</summary>
    public string Path { get; }

    public SqliteTransferJournal Open()
    {
        SqliteTransferJournal journal = SqliteTransferJournal.Open(Path);
        lock (_opened)
        {
            _opened.Add(journal);
        }

        return journal;
    }

    /// <summary>Runs SQL on the file directly, bypassing the journal, as another program (or an older version) would.</summary>
    public object? Sql(string sql)
    {
        using var connection = new SqliteConnection("Data Source=" + Path + ";Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        foreach (SqliteTransferJournal journal in _opened)
        {
            journal.Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
