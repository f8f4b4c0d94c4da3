namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Where a transfer is in its lifecycle (see <see cref="TransferTransitions"/> for the moves allowed between them).
    /// </summary>
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
        /// <summary>
        /// The upload failed, or Genesys no longer knows the media; the next run opens a new media upload for the same
        /// transfer and starts again.
        /// </summary>
        Failed,
        /// <summary>Recorded in the journal; the Genesys media upload has not been opened yet.</summary>
        Pending,
        /// <summary>
        /// The journal recorded that the message is being sent, before the request left. A transfer found in this state
        /// by anyone but the sender's live lease is treated like <see cref="DeliveryUnknown"/>.
        /// </summary>
        Delivering,
        /// <summary>
        /// The send request left but no answer came (timeout, dropped connection, server error): Genesys may or may not
        /// hold the message. Before anything is sent again the conversation is asked whether it holds this media.
        /// </summary>
        DeliveryUnknown,
    }
}
