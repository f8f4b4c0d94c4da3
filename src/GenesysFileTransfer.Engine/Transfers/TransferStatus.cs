namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>Where a transfer is in its lifecycle. Only moves forward, except Created after a renewal.</summary>
    public enum TransferStatus
    {
        /// <summary>Validated locally; Genesys issued a media id and a presigned upload URL.</summary>
        Created,
        /// <summary>The bytes reached the upload URL; Genesys is validating them (media status "uploading").</summary>
        Uploaded,
        /// <summary>Genesys accepted the media (status "valid"); it can be delivered.</summary>
        Valid,
        /// <summary>Genesys rejected the media (status "invalid"); it can never be delivered.</summary>
        Invalid,
        /// <summary>The media was sent into the conversation.</summary>
        Delivered,
        /// <summary>The upload failed for good; a renewal (new media upload) can start it again.</summary>
        Failed,
    }
}
