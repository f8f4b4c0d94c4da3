namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>What travels with a file besides its bytes.</summary>
    public sealed class TransferMetadata
    {
        /// <summary>A UUID naming the storage bucket; required when the validator requires metadata.</summary>
        public string? StorageBucketReference { get; set; }

        public AccessPolicy? AccessPolicy { get; set; }

        /// <summary>
        /// The file must be scanned clean by the connection's malware scanner before its media upload is created; a
        /// connection without a scanner refuses such a file (MalwareScannerNotConfigured). On unless the user turns it
        /// off; turning it off is their choice, not a validation failure.
        /// </summary>
        public bool VirusScanEnabled { get; set; } = true;

        /// <summary>One line for views and Format-List (instead of the type name).</summary>
        public override string ToString()
        {
            string bucket = string.IsNullOrEmpty(StorageBucketReference) ? "no bucket" : "bucket " + StorageBucketReference;
            string access = AccessPolicy is null
                ? "no access policy"
                : AccessPolicy.RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture) + " days, " + AccessPolicy.EncryptionStandard
                    + ", downloads " + (AccessPolicy.DownloadAllowed ? "allowed" : "not allowed");
            return bucket + "; " + access + "; virus scan " + (VirusScanEnabled ? "on" : "off");
        }
    }
}
