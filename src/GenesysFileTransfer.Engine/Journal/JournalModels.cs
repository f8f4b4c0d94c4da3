using System;
using System.Collections.Generic;
using System.Linq;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>A transfer as the journal keeps it: everything needed to resume it in a later session.</summary>
    public sealed class JournalTransfer
    {
        public Guid TransferId { get; set; }
        /// <summary>SHA-256 of the file + conversation + communication: the same file to the same place is one transfer.</summary>
        public string IdempotencyKey { get; set; } = string.Empty;
        public string ConversationId { get; set; } = string.Empty;
        public string CommunicationId { get; set; } = string.Empty;
        public string FilePath { get; set; } = string.Empty;
        public string FileName { get; set; } = string.Empty;
        public long Length { get; set; }
        public string ContentType { get; set; } = string.Empty;
        public string Sha256 { get; set; } = string.Empty;
        public string ContentMd5 { get; set; } = string.Empty;
        public string? MediaId { get; set; }
        /// <summary>A <see cref="Transfers.TransferStatus"/> name.</summary>
        public string Status { get; set; } = string.Empty;
        public string? MessageId { get; set; }
        public string? FailureReason { get; set; }
        /// <summary>The transfer metadata (bucket reference, access policy, virus scan flag) as JSON.</summary>
        public string MetadataJson { get; set; } = "{}";
        public IReadOnlyList<string> PreviousMediaIds { get; set; } = Array.Empty<string>();
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        /// <summary>Counts the transitions of this row; the expected value of the next compare-and-set.</summary>
        public long Version { get; set; }
        /// <summary>Who is working on the transfer (host, process and connection), while <see cref="LeaseUntil"/> is in the future.</summary>
        public string? LeaseOwner { get; set; }
        public DateTimeOffset? LeaseUntil { get; set; }

        /// <summary>A copy that shares nothing mutable with this one.</summary>
        public JournalTransfer Clone()
        {
            var copy = (JournalTransfer)MemberwiseClone();
            copy.PreviousMediaIds = PreviousMediaIds.ToArray();
            return copy;
        }
    }

    /// <summary>Filters for <see cref="ITransferJournal.QueryTransfers"/>; unset fields do not filter.</summary>
    public sealed class TransferQuery
    {
        public Guid? TransferId { get; set; }
        public string? Status { get; set; }
        /// <summary>Exact full path, or a file name; matched case-sensitively on the platform's terms by the store.</summary>
        public string? File { get; set; }
        public string? Sha256 { get; set; }
        public string? ConversationId { get; set; }
        public DateTimeOffset? Since { get; set; }
        public int? Limit { get; set; }
    }
}
