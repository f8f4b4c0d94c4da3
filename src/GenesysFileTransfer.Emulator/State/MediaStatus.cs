namespace GenesysFileTransfer.Emulator.State;

/// <summary>The values of MessageMediaData.status.</summary>
public static class MediaStatus
{
    public const string Uploading = "uploading";
    public const string Valid = "valid";
    public const string Invalid = "invalid";

    public static bool IsKnown(string value) => value is Uploading or Valid or Invalid;
}
