namespace GenesysFileTransfer.Emulator.Media;

/// <summary>The UploadMediaRequest.fileName rules, as written in the platform model's documentation.</summary>
internal static class FileNameRules
{
    public const int MaxLength = 255;
    private const string ForbiddenCharacters = "\\{^}%`]\">[~<#|";

    /// <summary>Returns why the name is refused, or null when it is acceptable.</summary>
    public static string? Check(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return "fileName is required.";
        if (fileName.Length > MaxLength) return $"fileName must not be longer than {MaxLength} characters.";
        if (fileName[0] == '.') return "fileName must not start with a dot.";
        if (fileName[^1] == '/') return "fileName must not end with a forward slash.";
        foreach (var c in fileName)
        {
            if (char.IsWhiteSpace(c)) return "fileName must not contain whitespace.";
            if (ForbiddenCharacters.Contains(c, StringComparison.Ordinal)) return $"fileName must not contain the character '{c}'.";
        }

        return null;
    }
}
