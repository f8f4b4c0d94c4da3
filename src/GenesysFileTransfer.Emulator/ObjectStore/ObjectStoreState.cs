using System.Collections.Concurrent;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.ObjectStore;

/// <summary>One stored object: its bytes on disk and everything S3 returns about it.</summary>
internal sealed record StoredObject(
    string Bucket,
    string Key,
    long Size,
    string ETag,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string Sha256Hex,
    IReadOnlyDictionary<string, string> Checksums,
    DateTimeOffset LastModified,
    string Path);

/// <summary>The outcome of committing an upload under a condition.</summary>
internal enum CommitResult
{
    Stored,
    NoSuchBucket,
    PreconditionFailed,
}

/// <summary>
/// The emulator's S3-compatible object store: buckets, objects and their bytes (one file per object version, in a
/// folder of the host's temporary storage). A commit is atomic: the existence check of <c>If-None-Match: *</c> and
/// the replacement happen under one lock, so two concurrent conditional PUTs of one key store exactly one object.
/// </summary>
internal sealed class ObjectStoreState : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _created = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _pendingDeletes = [];

    public ObjectStoreState(EmulatorState state)
    {
        Root = System.IO.Path.Combine(state.Blobs.Root, "objectstore");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>A fresh file to receive one PUT; kept as the object when the PUT succeeds, deleted otherwise.</summary>
    public string NewObjectPath() => System.IO.Path.Combine(Root, Guid.NewGuid().ToString("N") + ".obj");

    public bool CreateBucket(string bucket, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_buckets.ContainsKey(bucket)) return false;
            _buckets[bucket] = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _created[bucket] = at;
            return true;
        }
    }

    public DateTimeOffset? CreatedAt(string bucket)
    {
        lock (_gate) return _created.TryGetValue(bucket, out var at) ? at : null;
    }

    public bool BucketExists(string bucket)
    {
        lock (_gate) return _buckets.ContainsKey(bucket);
    }

    /// <summary>Null when the bucket is missing, false when it still holds objects.</summary>
    public bool? DeleteBucket(string bucket)
    {
        lock (_gate)
        {
            if (!_buckets.TryGetValue(bucket, out var objects)) return null;
            if (objects.Count > 0) return false;
            _buckets.Remove(bucket);
            _created.Remove(bucket);
            return true;
        }
    }

    public IReadOnlyList<string> BucketNames()
    {
        lock (_gate) return _buckets.Keys.OrderBy(b => b, StringComparer.Ordinal).ToArray();
    }

    public StoredObject? Find(string bucket, string key)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(bucket, out var objects) && objects.TryGetValue(key, out var found) ? found : null;
        }
    }

    /// <summary>Objects of a bucket in key order (S3 lists in UTF-8 binary order, which ordinal order matches for BMP keys); null when the bucket is missing.</summary>
    public IReadOnlyList<StoredObject>? List(string bucket)
    {
        lock (_gate) return _buckets.TryGetValue(bucket, out var objects) ? objects.Values.ToArray() : null;
    }

    /// <summary>
    /// Makes <paramref name="stored"/> the current object for its key, unless the bucket is gone or a condition fails:
    /// <paramref name="ifNoneMatchAny"/> (the key must not exist) or <paramref name="ifMatch"/> (its ETag must match).
    /// </summary>
    public CommitResult Commit(StoredObject stored, bool ifNoneMatchAny, string? ifMatch)
    {
        StoredObject? replaced;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(stored.Bucket, out var objects)) return CommitResult.NoSuchBucket;
            objects.TryGetValue(stored.Key, out replaced);
            if (ifNoneMatchAny && replaced is not null) return CommitResult.PreconditionFailed;
            if (ifMatch is not null && (replaced is null || !ETagMatches(ifMatch, replaced.ETag))) return CommitResult.PreconditionFailed;
            objects[stored.Key] = stored;
        }

        if (replaced is not null) TryDelete(replaced.Path);
        return CommitResult.Stored;
    }

    public bool Delete(string bucket, string key)
    {
        StoredObject? removed;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(bucket, out var objects) || !objects.Remove(key, out removed)) return false;
        }

        TryDelete(removed.Path);
        return true;
    }

    /// <summary>Forgets every bucket and object.</summary>
    public void Reset()
    {
        List<string> paths;
        lock (_gate)
        {
            paths = _buckets.Values.SelectMany(b => b.Values).Select(o => o.Path).ToList();
            _buckets.Clear();
            _created.Clear();
        }

        foreach (var path in paths) TryDelete(path);
    }

    public void Dispose()
    {
        Reset();
        foreach (var path in _pendingDeletes) TryDelete(path);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A GET still streams it; try again when the host goes.
            _pendingDeletes.Add(path);
        }
        catch (UnauthorizedAccessException)
        {
            _pendingDeletes.Add(path);
        }
    }

    private static bool ETagMatches(string condition, string etag)
        => condition.Trim() == "*" || condition.Split(',').Any(c => string.Equals(c.Trim().Trim('"'), etag.Trim('"'), StringComparison.Ordinal));
}
