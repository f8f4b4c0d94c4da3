using System;
using System.Collections;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Text;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Validation;
using GenesysFileTransfer.Engine.Webhooks;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Processes one delivered callback (raw body + headers) and returns what to answer, so any host can receive
    /// callbacks: an Azure Functions PowerShell HTTP trigger, a script behind another web server.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "GcWebhookEvent", HelpUri = HelpLinks.CmdletHelp + "Receive-GcWebhookEvent.md")]
    [OutputType(typeof(WebhookResult))]
    public sealed class ReceiveGcWebhookEventCommand : WebhookReceiverCmdlet
    {
        private WebhookReceiver? _receiver;

        /// <summary>The raw body exactly as received: a string (UTF-8 on the wire) or bytes. Never a parsed object.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [AllowEmptyString]
        public object Body { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 1)]
        [AllowEmptyCollection]
        public IDictionary Headers { get; set; } = new Hashtable();

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // One process handles many calls (an Azure Functions worker): the journal and audit log stay open between them.
            _receiver = WebhookReceiver.Open(this, ReceiverSettings(), reuseOpenResources: true);
        }

        protected override void ProcessRecord()
        {
            byte[] body = BodyBytes(Body);
            WebhookResult result = _receiver!.Processor.Process(body, WebhookHeaders.From(Headers));
            WriteVerbose(WebhookReceiver.Describe(result));
            if (result.StatusCode >= 500)
            {
                // Answer 500 (the result says so) and let the sender retry; the error says why for the script's log.
                WriteError(new ErrorRecord(
                    new InvalidOperationException(result.Detail),
                    ErrorIds.JournalUnavailable,
                    ErrorCategory.ResourceUnavailable,
                    result));
            }

            WriteObject(result);
        }

        // Each callback is processed on the pipeline thread as it arrives, so there is no background work to wait for.
        protected override void EndProcessing() => CloseReceiver();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                CloseReceiver();
            }

            base.Dispose(disposing);
        }

        private void CloseReceiver()
        {
            _receiver?.Dispose();
            _receiver = null;
        }

        private byte[] BodyBytes(object body)
        {
            object value = body is PSObject wrapped ? wrapped.BaseObject : body;
            switch (value)
            {
                case byte[] bytes:
                    return bytes;
                case string text:
                    // The sender signed bytes; JSON travels as UTF-8, so these are the bytes it sent.
                    return new UTF8Encoding(false).GetBytes(text);
                case object[] items when Array.TrueForAll(items, i => (i is PSObject p ? p.BaseObject : i) is byte):
                    // @(...) of bytes, as some hosts hand bodies over.
                    return Array.ConvertAll(items, i => (byte)(i is PSObject p ? p.BaseObject : i));
                default:
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Body must be the raw body as a string or a byte array, not {value?.GetType().FullName ?? "null"}. In Azure Functions pass $Request.RawBody, not $Request.Body (which is already parsed)."),
                        WebhookErrorIds.WebhookBodyInvalid,
                        ErrorCategory.InvalidArgument,
                        value));
                    return Array.Empty<byte>();
            }
        }
    }

    /// <summary>Stable error ids of the callback cmdlets (the shared ones are in <see cref="ErrorIds"/>).</summary>
    internal static class WebhookErrorIds
    {
        public const string WebhookBodyInvalid = nameof(WebhookBodyInvalid);
        public const string WebhookSecretMissing = nameof(WebhookSecretMissing);
        public const string WebhookListenerFailed = nameof(WebhookListenerFailed);
    }

    internal sealed class WebhookReceiverSettings
    {
        public SecureString? Secret { get; set; }
        public WebhookScheme Scheme { get; set; }
        public string? JournalPath { get; set; }
        public string? JournalConnectionString { get; set; }
        public PSCredential? JournalCredential { get; set; }
        public string? AuditLogPath { get; set; }
        public TimeSpan TimestampTolerance { get; set; }
        public int MaxBodyBytes { get; set; }
        public string? EventSource { get; set; }
        public Guid? StorageBucketReference { get; set; }
        public int? RetentionDays { get; set; }
        public string? CorrelationId { get; set; }
    }

    /// <summary>
    /// What both callback cmdlets need: the secret, the journal and the audit log, resolved the same way, and a
    /// processor over them. Owns (and disposes) whatever it opened; a connection's journal and audit log stay the
    /// connection's.
    /// </summary>
    internal sealed class WebhookReceiver : IDisposable
    {
        /// <summary>The environment variable read when -Secret is not given (an app setting in Azure Functions).</summary>
        internal const string SecretVariable = "GENESYS_WEBHOOK_SECRET";

        /// <summary>64 MiB: more than any callback needs, and a bound on what one request may make the receiver buffer.</summary>
        internal const int MaxBodyBytesLimit = 64 * 1024 * 1024;

        private readonly WebhookSecret _secret;
        private readonly ITransferJournal? _ownJournal;
        private readonly AuditLog? _ownAudit;
        private readonly IDisposable? _lease;

        private WebhookReceiver(WebhookSecret secret, ITransferJournal journal, bool ownsJournal, AuditLog audit, bool ownsAudit, WebhookOptions options, IDisposable? lease = null)
        {
            _secret = secret;
            _ownJournal = ownsJournal ? journal : null;
            _ownAudit = ownsAudit ? audit : null;
            _lease = lease;
            Journal = journal;
            Audit = audit;
            Processor = new WebhookProcessor(options, journal, audit);
        }

        public WebhookProcessor Processor { get; }
        public ITransferJournal Journal { get; }
        public AuditLog Audit { get; }

        /// <summary>
        /// Terminating errors (through <paramref name="cmdlet"/>) for a missing or unusable secret or journal. With
        /// <paramref name="reuseOpenResources"/>, a journal and audit log this command opens itself (not a connection's)
        /// come from <see cref="ReceiverResourceCache"/> and stay open for the next call.
        /// </summary>
        public static WebhookReceiver Open(PSCmdlet cmdlet, WebhookReceiverSettings settings, bool reuseOpenResources = false)
        {
            WebhookSecret secret = ResolveSecret(cmdlet, settings);
            ITransferJournal? journal = null;
            AuditLog? audit = null;
            bool ownsJournal = false;
            bool ownsAudit = false;
            ReceiverResourceCache.Lease? lease = null;
            try
            {
                GenesysConnection? connection = SessionConnection.Get(cmdlet);
                var choice = new JournalChoice(settings.JournalPath, settings.JournalConnectionString, settings.JournalCredential);
                if (reuseOpenResources && CacheKey(cmdlet, choice, settings.AuditLogPath, connection) is (string key, Func<bool> stillValid))
                {
                    lease = ReceiverResourceCache.Acquire(key, () => OpenOwn(cmdlet, choice, settings.AuditLogPath, connection), stillValid);
                    journal = lease.Journal;
                    audit = lease.Audit;
                }
                else
                {
                    // Receivers record new work, so a journal that does not exist yet is created.
                    journal = JournalResolver.Open(cmdlet, choice, connection, createIfMissing: true, out ITransferJournal? openedJournal);
                    ownsJournal = openedJournal != null;
                    audit = JournalResolver.OpenAudit(cmdlet, settings.AuditLogPath, connection, ErrorIds.PathNotFound, out AuditLog? openedAudit, journal);
                    ownsAudit = openedAudit != null;
                }

                var options = new WebhookOptions(settings.Scheme, secret)
                {
                    TimestampTolerance = settings.TimestampTolerance,
                    MaxBodyBytes = settings.MaxBodyBytes,
                    EventSource = settings.EventSource,
                    CorrelationId = settings.CorrelationId,
                    AttachmentMetadata = Metadata(settings),
                };
                cmdlet.WriteVerbose($"Receiving {settings.Scheme} callbacks. Journal: {journal!.Location}. Audit log: {audit!.CurrentFile ?? "off"}.");
                return new WebhookReceiver(secret, journal!, ownsJournal, audit!, ownsAudit, options, lease);
            }
            catch
            {
                lease?.Dispose();
                if (ownsJournal)
                {
                    journal?.Dispose();
                }

                if (ownsAudit)
                {
                    audit?.Dispose();
                }

                secret.Dispose();
                throw;
            }
        }

        /// <summary>
        /// What identifies the journal and audit log this command would open itself, and how to tell that a cached pair
        /// still points at them; null when either would be the connection's (never cached: it is the session's).
        /// </summary>
        private static (string Key, Func<bool> StillValid)? CacheKey(PSCmdlet cmdlet, JournalChoice choice, string? auditLogPath, GenesysConnection? connection)
        {
            if (choice.Path != null && choice.ConnectionString != null)
            {
                return null; // JournalResolver reports the conflict.
            }

            if ((!choice.IsNamed && connection?.Journal != null) || (auditLogPath is null && connection != null))
            {
                return null;
            }

            string auditFolder = System.IO.Path.GetFullPath(auditLogPath is null ? AuditLog.DefaultDirectory : cmdlet.GetUnresolvedProviderPathFromPSPath(auditLogPath));
            // The signing key is read when an audit log opens: a changed key must open a new one.
            string auditKey = "audit\n" + auditFolder + "\n" + Digest(AuditChain.KeyFromEnvironment());
            string? connectionString = choice.ConnectionString ?? (choice.Path is null ? TransferJournals.ConnectionStringFromEnvironment() : null);
            if (connectionString != null)
            {
                NetworkCredential? credential = JournalResolver.Network(choice.Credential);
                string journalKey = "postgres\n" + connectionString + "\n" + credential?.UserName + "\n" + Digest(credential is null ? null : Encoding.UTF8.GetBytes(credential.Password));
                return (journalKey + "\n" + auditKey, () => System.IO.Directory.Exists(auditFolder));
            }

            string path = System.IO.Path.GetFullPath(choice.Path is null ? SqliteTransferJournal.DefaultPath : cmdlet.GetUnresolvedProviderPathFromPSPath(choice.Path));
            // A journal file deleted or replaced while open would go on receiving writes nobody reads: reopen instead.
            return ("sqlite\n" + path + "\n" + auditKey, () => System.IO.File.Exists(path) && System.IO.Directory.Exists(auditFolder));
        }

        private static (ITransferJournal, AuditLog) OpenOwn(PSCmdlet cmdlet, JournalChoice choice, string? auditLogPath, GenesysConnection? connection)
        {
            ITransferJournal journal = JournalResolver.Open(cmdlet, choice, connection, createIfMissing: true, out _)!;
            try
            {
                return (journal, JournalResolver.OpenAudit(cmdlet, auditLogPath, connection, ErrorIds.PathNotFound, out _, journal));
            }
            catch
            {
                journal.Dispose();
                throw;
            }
        }

        private static string Digest(byte[]? value)
        {
            if (value is null)
            {
                return "-";
            }

            using var sha = System.Security.Cryptography.SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(value));
        }

        public static string Describe(WebhookResult result) =>
            $"Callback {result.EventId ?? "(no event id)"}: {result.StatusCode} {result.Outcome}"
            + (result.Reason is null ? string.Empty : $" ({result.Reason})")
            + (result.Attachments.Count == 0 ? string.Empty : $", {result.Attachments.Count} attachment(s)")
            + (result.ReceiptStatus is null ? string.Empty : $", receipt {result.ReceiptStatus}")
            + $", {result.LatencyMs} ms" + (result.Detail is null ? "." : ": " + result.Detail);

        private static WebhookSecret ResolveSecret(PSCmdlet cmdlet, WebhookReceiverSettings settings)
        {
            try
            {
                if (settings.Secret != null && settings.Secret.Length > 0)
                {
                    return WebhookSecret.FromSecureString(settings.Secret, settings.Scheme);
                }

                string? fromEnvironment = Environment.GetEnvironmentVariable(SecretVariable);
                if (!string.IsNullOrEmpty(fromEnvironment))
                {
                    return WebhookSecret.FromString(fromEnvironment!, settings.Scheme);
                }
            }
            catch (ArgumentException ex)
            {
                // The message describes the format only; it never quotes the secret.
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, WebhookErrorIds.WebhookSecretMissing, ErrorCategory.InvalidArgument, null));
            }

            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"No webhook secret: pass -Secret (the integration's outboundNotificationWebhookSignatureSecretToken, or the Standard Webhooks whsec_ secret) or set {SecretVariable}."),
                WebhookErrorIds.WebhookSecretMissing,
                ErrorCategory.InvalidArgument,
                null));
            throw new InvalidOperationException("unreachable");
        }

        private static TransferMetadata? Metadata(WebhookReceiverSettings settings)
        {
            if (settings.StorageBucketReference is null && settings.RetentionDays is null)
            {
                return null;
            }

            return new TransferMetadata
            {
                StorageBucketReference = settings.StorageBucketReference?.ToString("D"),
                AccessPolicy = settings.RetentionDays is int days ? new AccessPolicy { RetentionDays = days } : null,
            };
        }

        public void Dispose()
        {
            _lease?.Dispose();
            JournalResolver.Close(_ownAudit, _ownJournal);
            _secret.Dispose();
        }
    }
}
