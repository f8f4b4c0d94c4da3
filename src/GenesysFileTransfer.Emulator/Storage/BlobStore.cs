namespace GenesysFileTransfer.Emulator.Storage;

/// <summary>
/// Uploaded bytes on disk, one file per successful PUT, so large uploads never sit in memory and can be downloaded
/// again through the media's url. The folder belongs to one emulator host and is deleted with it.
/// </summary>
internal sealed class BlobStore
{
    private readonly bool _ownsRoot;

    public BlobStore(string? root)
    {
        _ownsRoot = root is null;
        Root = root ?? Path.Combine(Path.GetTempPath(), "genesys-emulator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>A fresh file to receive one PUT; a failed PUT deletes it, a good one is kept as the object.</summary>
    public string NewUploadPath(string mediaId) => Path.Combine(Root, $"{mediaId}.{Guid.NewGuid():N}.bin");

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A concurrent download still has it open; the folder goes when the host is disposed.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void DeleteAll()
    {
        foreach (var file in Directory.EnumerateFiles(Root, "*.bin")) TryDelete(file);
    }

    public void Dispose()
    {
        try
        {
            if (_ownsRoot) Directory.Delete(Root, recursive: true);
            else DeleteAll();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
