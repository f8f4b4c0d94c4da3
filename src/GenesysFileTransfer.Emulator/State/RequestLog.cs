using System.Collections.Concurrent;

namespace GenesysFileTransfer.Emulator.State;

/// <summary>A bounded, thread-safe log: appends never block each other, and the oldest entries go first.</summary>
internal sealed class RequestLog(Func<int> capacity)
{
    private ConcurrentQueue<RequestLogEntry> _entries = new();

    public void Add(RequestLogEntry entry)
    {
        var entries = Volatile.Read(ref _entries);
        entries.Enqueue(entry);
        var limit = capacity();
        while (entries.Count > limit && entries.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<RequestLogEntry> Snapshot() => Volatile.Read(ref _entries).ToArray();

    public void Clear() => Volatile.Write(ref _entries, new ConcurrentQueue<RequestLogEntry>());
}
