namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>How long the transferred file is kept, how it is encrypted and whether the recipient may download it.</summary>
    public sealed class AccessPolicy
    {
        public const int MinRetentionDays = 1;

        /// <summary>A hundred years: anything longer is a typo, not a retention policy.</summary>
        public const int MaxRetentionDays = 36500;

        public int RetentionDays { get; set; }

        public string EncryptionStandard { get; set; } = EncryptionStandards.Aes256;

        public bool DownloadAllowed { get; set; }
    }
}
