namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>Whether a file's bytes agree with its declared content type.</summary>
    public sealed class ContentMatch
    {
        public ContentMatch(bool matches, string? detectedContentType, string? reason)
        {
            Matches = matches;
            DetectedContentType = detectedContentType;
            Reason = reason;
        }

        public bool Matches { get; }

        /// <summary>What the file's signature says it is; null when no known signature matched.</summary>
        public string? DetectedContentType { get; }

        /// <summary>Why the bytes do not match; null when they do. Never quotes file contents.</summary>
        public string? Reason { get; }

        public override string ToString() => Matches ? "matches" : "mismatch: " + Reason;
    }
}
