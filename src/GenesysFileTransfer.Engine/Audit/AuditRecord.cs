using System;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>Names of the audited steps; stable strings because log queries depend on them.</summary>
    public static class AuditOperations
    {
        public const string Connect = "connect";
        public const string Authenticate = "authenticate";
        public const string Reauthenticate = "reauthenticate";
        public const string Validate = "validate";
        public const string Create = "create";
        public const string UploadAttempt = "upload";
        public const string Renew = "renew";
        public const string ScanPoll = "scan-poll";
        public const string ScanResult = "scan-result";
        public const string Deliver = "deliver";
        /// <summary>The module's own malware scan of a file before it is sent (outcome success, refused or failure).</summary>
        public const string MalwareScan = "malware-scan";
        /// <summary>Reading the conversation back to learn whether a send whose answer was lost reached Genesys.</summary>
        public const string Reconcile = "reconcile";
        public const string ApiCall = "api-call";
        public const string PolicyRead = "policy-read";
        public const string Disconnect = "disconnect";
    }

    public static class AuditOutcomes
    {
        public const string Success = "success";
        public const string Failure = "failure";
        public const string Retry = "retry";
        public const string Pending = "pending";
        public const string Refused = "refused";
        public const string Cancelled = "cancelled";
        /// <summary>The request left and no usable answer came: the server may or may not have acted.</summary>
        public const string Unknown = "unknown";
    }

    /// <summary>
    /// One audited step. Every field is optional except operation and outcome; nothing in here may hold a secret,
    /// a token or a URL query string (the writer scrubs free text again as a safety net).
    /// </summary>
    public sealed class AuditRecord
    {
        public AuditRecord(string operation, string outcome)
        {
            Operation = operation ?? throw new ArgumentNullException(nameof(operation));
            Outcome = outcome ?? throw new ArgumentNullException(nameof(outcome));
        }

        public string Operation { get; }
        public string Outcome { get; }
        public Guid? TransferId { get; set; }
        public string? MediaId { get; set; }
        public string? ConversationId { get; set; }
        /// <summary>The module's correlation id for one cmdlet invocation (or connection).</summary>
        public string? CorrelationId { get; set; }
        /// <summary>Genesys' ININ-Correlation-Id response header, the key for a support case.</summary>
        public string? IninCorrelationId { get; set; }
        public double? LatencyMs { get; set; }
        public long? Bytes { get; set; }
        public int? HttpStatus { get; set; }
        public int? Attempt { get; set; }
        public string? HttpMethod { get; set; }
        /// <summary>Request target without query string.</summary>
        public string? Target { get; set; }
        public string? FileName { get; set; }
        public string? Sha256 { get; set; }
        public string? ErrorCode { get; set; }
        public string? Detail { get; set; }
        public double? RetryAfterSeconds { get; set; }
        public string? Status { get; set; }
        /// <summary>The transfer metadata (bucket reference, access policy, retention, virus scan flag) as JSON.</summary>
        public string? Metadata { get; set; }
    }
}
