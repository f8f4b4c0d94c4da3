using System;
using System.Management.Automation;
using System.Net;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>Stable error ids: scripts filter on FullyQualifiedErrorId, so these never change meaning.</summary>
    internal static class ErrorIds
    {
        public const string NotConnected = nameof(NotConnected);
        public const string AuthenticationFailed = nameof(AuthenticationFailed);
        public const string ConnectionFailed = nameof(ConnectionFailed);
        public const string MissingCredentials = nameof(MissingCredentials);
        public const string FileValidationFailed = nameof(FileValidationFailed);
        public const string PathNotFound = nameof(PathNotFound);
        public const string PolicyInvalid = nameof(PolicyInvalid);
        public const string GenesysApiError = nameof(GenesysApiError);
        public const string RateLimited = nameof(RateLimited);
        public const string TransportFailed = nameof(TransportFailed);
        public const string UploadRejected = nameof(UploadRejected);
        public const string UploadUrlExpired = nameof(UploadUrlExpired);
        public const string FileRejectedByGenesys = nameof(FileRejectedByGenesys);
        public const string ScanTimeout = nameof(ScanTimeout);
        public const string InvalidTransferState = nameof(InvalidTransferState);
        public const string TransferNotFound = nameof(TransferNotFound);
        public const string JournalUnavailable = nameof(JournalUnavailable);
        /// <summary>A journal file and a journal connection string named together.</summary>
        public const string JournalParameterConflict = nameof(JournalParameterConflict);
        /// <summary>The send may or may not have reached Genesys; the next run reads the conversation before sending again.</summary>
        public const string DeliveryOutcomeUnknown = nameof(DeliveryOutcomeUnknown);
        /// <summary>Another live process holds the transfer's lease and did not finish within the wait.</summary>
        public const string TransferBusy = nameof(TransferBusy);
        /// <summary>Another process moved the transfer while this one worked on it; this one stopped without acting.</summary>
        public const string TransferMovedByAnotherProcess = nameof(TransferMovedByAnotherProcess);
        /// <summary>Genesys no longer knows the media; the next send opens a new media upload for the transfer.</summary>
        public const string MediaNotFound = nameof(MediaNotFound);
        /// <summary>The malware scanner found malware in the file; nothing was sent and nothing created at Genesys.</summary>
        public const string FileInfected = nameof(FileInfected);
        /// <summary>The malware scanner could not be reached or did not answer; the file was not sent.</summary>
        public const string MalwareScannerUnavailable = nameof(MalwareScannerUnavailable);
        /// <summary>The transfer asks for a malware scan (VirusScanEnabled) but no scanner is configured.</summary>
        public const string MalwareScannerNotConfigured = nameof(MalwareScannerNotConfigured);
        /// <summary>The scanner refused the file as larger than it scans (clamd's StreamMaxLength).</summary>
        public const string FileTooLargeToScan = nameof(FileTooLargeToScan);
        /// <summary>The scanner answered without a verdict.</summary>
        public const string MalwareScanFailed = nameof(MalwareScanFailed);
        /// <summary>Test-GcAuditLog: no audit file at the path given.</summary>
        public const string AuditLogNotFound = nameof(AuditLogNotFound);
        public const string UnexpectedError = nameof(UnexpectedError);
    }

    /// <summary>Turns engine failures into error records with the right id, category and target.</summary>
    internal static class ErrorRecords
    {
        /// <summary>
        /// The record for a failure of one file: the engine's error with its stable id and category, and a message that
        /// starts with the file's name and says what to do next (the exception keeps the engine's own text).
        /// </summary>
        public static ErrorRecord From(Exception exception, object? target)
        {
            ErrorRecord record = Classify(exception, target);
            string? file = FileNameOf(target);
            string message = PlainMessage(exception);
            // Engine messages that name the file start with it quoted ('a.pdf' …, or the name it is sent under).
            if (file != null && !message.StartsWith("'", StringComparison.Ordinal) && !message.StartsWith(file + ":", StringComparison.Ordinal))
            {
                message = file + ": " + message;
            }

            string? action = record.ErrorDetails?.RecommendedAction ?? NextStep(exception, target);
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = action };
            return record;
        }

        /// <summary>The exception's message without .NET's " (Parameter 'x')" suffix, which means nothing to a PowerShell user.</summary>
        public static string PlainMessage(Exception exception)
        {
            string message = exception.Message;
            if (exception is ArgumentException argument && !string.IsNullOrEmpty(argument.ParamName))
            {
                string suffix = " (Parameter '" + argument.ParamName + "')";
                int at = message.LastIndexOf(suffix, StringComparison.Ordinal);
                if (at > 0)
                {
                    message = message.Substring(0, at);
                }
                else
                {
                    // .NET Framework puts it on a line of its own: "…\r\nParameter name: x".
                    int line = message.LastIndexOf(Environment.NewLine + "Parameter name: ", StringComparison.Ordinal);
                    message = line > 0 ? message.Substring(0, line) : message;
                }
            }

            return message;
        }

        /// <summary>True for a Genesys answer that every file for the same conversation would get too: the conversation or
        /// communication is unknown (404 when opening the upload) or the client may not act in it (403).</summary>
        public static bool IsConversationLevel(Exception exception) =>
            exception is GenesysApiException api && !(exception is AuthenticationFailedException)
            && (api.StatusCode == HttpStatusCode.Forbidden || (api.StatusCode == HttpStatusCode.NotFound && api.Operation == Engine.Audit.AuditOperations.Create));

        private static string? FileNameOf(object? target)
        {
            switch (target)
            {
                case FileTransfer transfer:
                    return transfer.FileName;
                case string path when System.IO.Path.IsPathRooted(path) && !path.StartsWith("http", StringComparison.OrdinalIgnoreCase):
                    // A file's path (paths are resolved before anything is sent); other string targets (a deployment id,
                    // a listener prefix) are not files.
                    string name = System.IO.Path.GetFileName(path.TrimEnd('/', '\\'));
                    return string.IsNullOrEmpty(name) ? null : name;
                default:
                    return null;
            }
        }

        private static string? NextStep(Exception exception, object? target)
        {
            string again = target is FileTransfer transfer
                ? $"Run the same command again later (or Send-GcFile -Transfer (Get-GcFileTransfer {transfer.TransferId})): the journal goes on from where the file stopped."
                : "Run the same command again later: the journal goes on from where each file stopped, and files already delivered are not sent again.";
            switch (exception)
            {
                case GenesysApiException api when api.StatusCode == HttpStatusCode.NotFound && api.Operation == Engine.Audit.AuditOperations.Create:
                    return "Check -ConversationId and -CommunicationId: the conversation must be a messaging conversation that is still open, and the communication the agent's.";
                case GenesysApiException api when api.StatusCode == HttpStatusCode.Forbidden:
                    return "Give the OAuth client's role the permissions listed in the README (conversation:message:create and conversation:message:view), in the conversation's division.";
                case GenesysApiException api when (int)api.StatusCode == 429 || (int)api.StatusCode >= 500:
                    return again;
                case GenesysTransportException _:
                case UploadUrlExpiredException _:
                case UploadRejectedException _:
                case TransferBusyException _:
                case TransferConflictException _:
                case MediaLostException _:
                    return again;
                default:
                    return null;
            }
        }

        private static ErrorRecord Classify(Exception exception, object? target)
        {
            switch (exception)
            {
                case Engine.Scanning.FileInfectedException infected:
                    return new ErrorRecord(infected, ErrorIds.FileInfected, ErrorCategory.SecurityError, infected.Path)
                    {
                        ErrorDetails = new ErrorDetails(infected.Message)
                        {
                            RecommendedAction = "Do not send this file. Remove it from the input folder; if you are sure it is a false positive, have the scanner's signatures corrected.",
                        },
                    };
                case Engine.Scanning.MalwareScannerUnavailableException down:
                    return new ErrorRecord(down, ErrorIds.MalwareScannerUnavailable, ErrorCategory.ResourceUnavailable, target)
                    {
                        ErrorDetails = new ErrorDetails(down.Message)
                        {
                            RecommendedAction = "Start the scanner (clamd) or fix -MalwareScanner, then run the command again; nothing was sent.",
                        },
                    };
                case Engine.Scanning.MalwareScannerNotConfiguredException none:
                    return new ErrorRecord(none, ErrorIds.MalwareScannerNotConfigured, ErrorCategory.NotEnabled, target)
                    {
                        ErrorDetails = new ErrorDetails(none.Message)
                        {
                            RecommendedAction = "Connect-GcCloud -MalwareScanner tcp://<clamd host>:3310 (see Get-Help about_GenesysFileTransfer), or pass -VirusScanEnabled $false to send without a scan.",
                        },
                    };
                case Engine.Scanning.MalwareScanFailedException failed:
                    return new ErrorRecord(failed, failed.ErrorCode == ErrorIds.FileTooLargeToScan ? ErrorIds.FileTooLargeToScan : ErrorIds.MalwareScanFailed,
                        failed.ErrorCode == ErrorIds.FileTooLargeToScan ? ErrorCategory.LimitsExceeded : ErrorCategory.InvalidResult, target);
                case FileValidationException validation:
                    return new ErrorRecord(validation, ErrorIds.FileValidationFailed, ErrorCategory.InvalidData, target)
                    {
                        ErrorDetails = new ErrorDetails(validation.Message)
                        {
                            RecommendedAction = "Fix the fields listed, or run Test-GcFileTransferPayload to see every check.",
                        },
                    };
                case AuthenticationFailedException auth:
                    return new ErrorRecord(auth, ErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError, target);
                case GenesysApiException api when api.StatusCode == (HttpStatusCode)429:
                    return new ErrorRecord(api, ErrorIds.RateLimited, ErrorCategory.LimitsExceeded, target);
                case GenesysApiException api:
                    return new ErrorRecord(api, ErrorIds.GenesysApiError, CategoryOf(api.StatusCode), target);
                case GenesysTransportException transport:
                    return new ErrorRecord(transport, ErrorIds.TransportFailed, ErrorCategory.ConnectionError, target);
                case UploadUrlExpiredException expired:
                    return new ErrorRecord(expired, ErrorIds.UploadUrlExpired, ErrorCategory.OperationTimeout, target);
                case UploadRejectedException rejected:
                    return new ErrorRecord(rejected, ErrorIds.UploadRejected, rejected.StatusCode == HttpStatusCode.Forbidden ? ErrorCategory.PermissionDenied : ErrorCategory.InvalidData, target);
                case ScanTimeoutException timeout:
                    return new ErrorRecord(timeout, ErrorIds.ScanTimeout, ErrorCategory.OperationTimeout, target);
                case DeliveryOutcomeUnknownException unknown:
                    return new ErrorRecord(unknown, ErrorIds.DeliveryOutcomeUnknown, ErrorCategory.OperationStopped, target)
                    {
                        ErrorDetails = new ErrorDetails(unknown.Message)
                        {
                            RecommendedAction = "Run the same command again: it reads the conversation back and sends only if the file is not there.",
                        },
                    };
                case TransferBusyException busy:
                    return new ErrorRecord(busy, ErrorIds.TransferBusy, ErrorCategory.ResourceBusy, target);
                case TransferConflictException moved:
                    return new ErrorRecord(moved, ErrorIds.TransferMovedByAnotherProcess, ErrorCategory.ResourceBusy, target);
                case MediaLostException lost:
                    return new ErrorRecord(lost, ErrorIds.MediaNotFound, ErrorCategory.ObjectNotFound, target);
                case TransferStateException state:
                    return new ErrorRecord(state, ErrorIds.InvalidTransferState, ErrorCategory.InvalidOperation, target);
                case PolicyFormatException policy:
                    return new ErrorRecord(policy, ErrorIds.PolicyInvalid, ErrorCategory.InvalidData, target);
                case Engine.Journal.TransferJournalException journal:
                    return new ErrorRecord(journal, ErrorIds.JournalUnavailable, ErrorCategory.ResourceUnavailable, target);
                case System.IO.FileNotFoundException notFound:
                    return new ErrorRecord(notFound, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, target);
                default:
                    return new ErrorRecord(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target);
            }
        }

        /// <summary>The error for media Genesys marked invalid: a result, reported as an error record.</summary>
        public static ErrorRecord Invalid(FileTransfer transfer) =>
            transfer.FailureReason != null && transfer.FailureReason.StartsWith("FileInfected: ", StringComparison.Ordinal)
                ? new ErrorRecord(
                    new InvalidOperationException($"'{transfer.FileName}' carries malware ({transfer.FailureReason.Substring("FileInfected: ".Length)}); it was not sent (transfer {transfer.TransferId})."),
                    ErrorIds.FileInfected,
                    ErrorCategory.SecurityError,
                    transfer.Path)
                : new ErrorRecord(
            new InvalidOperationException($"Genesys rejected '{transfer.FileName}' (media {transfer.MediaId}): {transfer.FailureReason}"),
            ErrorIds.FileRejectedByGenesys,
            ErrorCategory.SecurityError,
            transfer);

        private static ErrorCategory CategoryOf(HttpStatusCode status)
        {
            switch ((int)status)
            {
                case 400: return ErrorCategory.InvalidArgument;
                case 401: return ErrorCategory.AuthenticationError;
                case 403: return ErrorCategory.PermissionDenied;
                case 404: return ErrorCategory.ObjectNotFound;
                case 408:
                case 504: return ErrorCategory.OperationTimeout;
                case 409: return ErrorCategory.ResourceExists;
                case 413: return ErrorCategory.LimitsExceeded;
                case 415: return ErrorCategory.InvalidType;
                default: return (int)status >= 500 ? ErrorCategory.ResourceUnavailable : ErrorCategory.InvalidResult;
            }
        }
    }
}
