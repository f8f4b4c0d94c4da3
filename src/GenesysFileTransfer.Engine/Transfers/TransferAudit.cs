using System;
using System.Linq;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// The audit records of the transfer lifecycle, built in one place so every step names the transfer, media,
    /// conversation and file the same way. Nothing here takes a URL with its query or a token.
    /// </summary>
    internal sealed class TransferAudit
    {
        private readonly AuditLog _log;

        public TransferAudit(AuditLog log) => _log = log;

        public void Validated(FileValidationReport report, string? correlationId, TimeSpan latency) =>
            _log.Write(new AuditRecord(AuditOperations.Validate, report.IsValid ? AuditOutcomes.Success : AuditOutcomes.Refused)
            {
                CorrelationId = correlationId,
                FileName = report.FileName,
                Bytes = report.Length < 0 ? (long?)null : report.Length,
                LatencyMs = latency.TotalMilliseconds,
                ErrorCode = report.IsValid ? null : string.Join(",", report.Failures.Select(f => f.ErrorCode)),
                Detail = report.IsValid ? null : report.Summary,
            });

        public void MediaOpened(FileTransfer transfer, string operation, PresignedUpload upload, string? detail, string? metadataJson, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(operation, AuditOutcomes.Success, transfer, correlationId, latency, r =>
            {
                r.Bytes = transfer.Length;
                r.Sha256 = transfer.Sha256;
                r.Target = upload.RedactedUrl;
                r.Detail = (detail is null ? string.Empty : detail + "; ") + "upload URL expires " + upload.ExpiresAt.ToString("u") + (upload.ExpiryFromUrl ? string.Empty : " (assumed)");
                r.Metadata = metadataJson;
            }));

        public void ApiFailed(FileTransfer transfer, string operation, GenesysApiException ex, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(operation, AuditOutcomes.Failure, transfer, correlationId, latency, r =>
            {
                r.IninCorrelationId = ex.CorrelationId;
                r.HttpStatus = (int)ex.StatusCode;
                r.ErrorCode = ex.ErrorCode;
            }));

        public void MalwareScanned(FileTransfer transfer, Scanning.ScanVerdict verdict, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.MalwareScan, verdict.Infected ? AuditOutcomes.Refused : AuditOutcomes.Success, transfer, correlationId, latency, r =>
            {
                r.Bytes = verdict.Bytes;
                r.Sha256 = transfer.Sha256;
                r.Status = verdict.Infected ? "infected" : "clean";
                r.ErrorCode = verdict.Infected ? "FileInfected" : null;
                r.Target = verdict.Scanner;
                r.Detail = verdict.Infected ? "signature " + verdict.Signature : "no malware found";
            }));

        public void MalwareScanFailed(FileTransfer transfer, string errorCode, string detail, string? scanner, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.MalwareScan, AuditOutcomes.Failure, transfer, correlationId, latency, r =>
            {
                r.Status = "not-scanned";
                r.ErrorCode = errorCode;
                r.Target = scanner;
                r.Detail = detail;
            }));

        public void MalwareScanSkipped(FileTransfer transfer, string? correlationId) =>
            _log.Write(Base(AuditOperations.MalwareScan, AuditOutcomes.Success, transfer, correlationId, TimeSpan.Zero, r =>
            {
                r.Status = "skipped";
                r.Detail = "VirusScanEnabled is off for this transfer; the file was not scanned";
            }));

        public void Uploaded(FileTransfer transfer, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.UploadAttempt, AuditOutcomes.Success, transfer, correlationId, latency, r =>
            {
                r.Bytes = transfer.Length;
                r.Sha256 = transfer.Sha256;
                r.Detail = "upload complete";
            }));

        public void ScanPolled(FileTransfer transfer, int poll, string status, bool done, TimeSpan nextIn, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.ScanPoll, done ? AuditOutcomes.Success : AuditOutcomes.Pending, transfer, correlationId, latency, r =>
            {
                r.ConversationId = null;
                r.FileName = null;
                r.Attempt = poll;
                r.Status = status;
                r.Detail = "next poll in " + nextIn.TotalMilliseconds + " ms";
            }));

        public void ScanFinished(FileTransfer transfer, int polls, string status, bool valid, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.ScanResult, valid ? AuditOutcomes.Success : AuditOutcomes.Refused, transfer, correlationId, latency, r =>
            {
                r.Attempt = polls;
                r.Status = status;
            }));

        public void ScanTimedOut(FileTransfer transfer, int polls, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.ScanResult, AuditOutcomes.Failure, transfer, correlationId, latency, r =>
            {
                r.ConversationId = null;
                r.FileName = null;
                r.Attempt = polls;
                r.ErrorCode = "ScanTimeout";
            }));

        public void MediaLost(FileTransfer transfer, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.ScanResult, AuditOutcomes.Failure, transfer, correlationId, latency, r =>
            {
                r.ErrorCode = "MediaNotFound";
                r.Detail = "Genesys no longer knows media " + transfer.MediaId + "; a new media upload replaces it";
            }));

        public void Delivered(FileTransfer transfer, string? messageId, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.Deliver, AuditOutcomes.Success, transfer, correlationId, latency, r =>
            {
                r.Sha256 = transfer.Sha256;
                r.Detail = messageId is null ? null : "message " + messageId;
            }));

        public void DeliveryRefused(FileTransfer transfer, GenesysApiException ex, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.Deliver, AuditOutcomes.Refused, transfer, correlationId, latency, r =>
            {
                r.IninCorrelationId = ex.CorrelationId;
                r.HttpStatus = (int)ex.StatusCode;
                r.ErrorCode = ex.ErrorCode;
                r.Detail = "Genesys did not act on the request; nothing was delivered";
            }));

        public void DeliveryUnknown(FileTransfer transfer, Exception ex, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.Deliver, AuditOutcomes.Unknown, transfer, correlationId, latency, r =>
            {
                r.HttpStatus = ex is GenesysApiException api ? (int)api.StatusCode : (int?)null;
                r.IninCorrelationId = (ex as GenesysApiException)?.CorrelationId;
                r.ErrorCode = "DeliveryOutcomeUnknown";
                r.Detail = "the send request left but no usable answer came (" + ex.GetType().Name + "); the conversation is read back before anything is sent again";
            }));

        public void Reconciled(FileTransfer transfer, string? messageId, int messagesRead, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.Reconcile, messageId is null ? AuditOutcomes.Success : AuditOutcomes.Success, transfer, correlationId, latency, r =>
            {
                r.Status = messageId is null ? "not-delivered" : "delivered";
                r.Detail = messageId is null
                    ? $"the conversation's {messagesRead} message(s) hold no message with media {transfer.MediaId}; it is safe to send"
                    : $"the conversation holds message {messageId} with media {transfer.MediaId}; not sent again";
            }));

        public void ReconcileFailed(FileTransfer transfer, Exception ex, string? correlationId, TimeSpan latency) =>
            _log.Write(Base(AuditOperations.Reconcile, AuditOutcomes.Failure, transfer, correlationId, latency, r =>
            {
                r.HttpStatus = ex is GenesysApiException api ? (int)api.StatusCode : (int?)null;
                r.ErrorCode = (ex as GenesysApiException)?.ErrorCode ?? ex.GetType().Name;
                r.Detail = "the conversation could not be read; the delivery stays unknown";
            }));

        private static AuditRecord Base(string operation, string outcome, FileTransfer transfer, string? correlationId, TimeSpan latency, Action<AuditRecord> fill)
        {
            var record = new AuditRecord(operation, outcome)
            {
                TransferId = transfer.TransferId,
                MediaId = transfer.MediaId,
                ConversationId = transfer.ConversationId,
                CorrelationId = correlationId,
                LatencyMs = latency.TotalMilliseconds,
                FileName = transfer.FileName,
                Status = transfer.Status.ToString(),
            };
            fill(record);
            return record;
        }
    }
}
