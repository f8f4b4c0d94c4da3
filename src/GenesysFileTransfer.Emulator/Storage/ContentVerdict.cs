using GenesysFileTransfer.Emulator.Media;

namespace GenesysFileTransfer.Emulator.Storage;

/// <summary>
/// The emulator's stand-in for Genesys' media validation. Genesys only ever says valid or invalid; the reason is
/// kept for the control API so a test can tell why.
/// </summary>
internal static class ContentVerdict
{
    private static readonly byte[] PdfMagic = "%PDF-"u8.ToArray();
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegMagic = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Gif87Magic = "GIF87a"u8.ToArray();
    private static readonly byte[] Gif89Magic = "GIF89a"u8.ToArray();
    private static readonly byte[] ExeMagic = "MZ"u8.ToArray();
    private static readonly byte[] ZipMagic = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>The type the bytes look like, from their leading magic bytes (and the text check, when one ran).</summary>
    public static string Detect(UploadFacts facts)
    {
        ReadOnlySpan<byte> head = facts.Head;
        if (head.StartsWith(PdfMagic)) return MediaTypes.Pdf;
        if (head.StartsWith(PngMagic)) return MediaTypes.Png;
        if (head.StartsWith(JpegMagic)) return MediaTypes.Jpeg;
        if (head.StartsWith(Gif87Magic) || head.StartsWith(Gif89Magic)) return MediaTypes.Gif;
        if (head.StartsWith(ExeMagic)) return MediaTypes.WindowsExecutable;
        if (head.StartsWith(ZipMagic)) return MediaTypes.Zip;
        if (facts.TextChecked && facts.IsUtf8Text) return MediaTypes.Text;
        return MediaTypes.OctetStream;
    }

    /// <summary>Null when the media is valid, otherwise why not.</summary>
    public static string? InvalidReason(string declaredType, string detectedType, UploadFacts facts, EmulatorOptions options)
    {
        if (facts.EicarFound)
            return "The content contains the EICAR anti-virus test signature.";
        if (!MediaTypes.IsAllowed(declaredType, options.OutboundMediaTypes))
            return $"Media type {declaredType} is not in the outbound list of the supported content profile.";
        if (declaredType == MediaTypes.Text)
            return facts.IsUtf8Text ? null : "The content declared as text/plain is not UTF-8 text (invalid sequences or NUL bytes).";
        if ((declaredType is MediaTypes.Pdf or MediaTypes.Png or MediaTypes.Jpeg or MediaTypes.Gif) && detectedType != declaredType)
            return $"The content does not match its declared type {declaredType} (the bytes look like {detectedType}).";
        return null;
    }
}
