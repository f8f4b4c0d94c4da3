namespace GenesysFileTransfer.Emulator.Media;

internal static class MediaTypes
{
    public const string Pdf = "application/pdf";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string Text = "text/plain";
    public const string OctetStream = "application/octet-stream";
    public const string WindowsExecutable = "application/x-msdownload";
    public const string Zip = "application/zip";

    /// <summary>The Content-Type the upload must be sent with, from the file name's extension.</summary>
    public static string FromFileName(string fileName)
    {
        var dot = fileName.LastIndexOf('.');
        var extension = dot < 0 ? string.Empty : fileName[(dot + 1)..].ToLowerInvariant();
        return extension switch
        {
            "pdf" => Pdf,
            "png" => Png,
            "jpg" or "jpeg" => Jpeg,
            "gif" => Gif,
            "txt" => Text,
            _ => OctetStream,
        };
    }

    /// <summary>Whether a profile entry (exact, <c>type/*</c> or <c>*/*</c>) admits the media type.</summary>
    public static bool IsAllowed(string mediaType, IEnumerable<string> allowList)
    {
        foreach (var entry in allowList)
        {
            if (entry == "*/*" || string.Equals(entry, mediaType, StringComparison.OrdinalIgnoreCase)) return true;
            if (entry.EndsWith("/*", StringComparison.Ordinal)
                && mediaType.StartsWith(entry[..^1], StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    /// <summary>The attachment category of a normalized message (Image, Video, Audio or File).</summary>
    public static string AttachmentCategory(string mediaType)
    {
        if (mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)) return "Image";
        if (mediaType.StartsWith("video/", StringComparison.OrdinalIgnoreCase)) return "Video";
        if (mediaType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)) return "Audio";
        return "File";
    }
}
