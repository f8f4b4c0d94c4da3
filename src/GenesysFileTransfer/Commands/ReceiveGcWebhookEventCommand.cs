using System;
using System.Collections;
using System.Management.Automation;
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
            _receiver = WebhookReceiver.Open(this, ReceiverSettings());
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

        private WebhookReceiver(WebhookSecret secret, ITransferJournal journal, bool ownsJournal, AuditLog audit, bool ownsAudit, WebhookOptions options)
        {
            _secret = secret;
            _ownJournal = ownsJournal ? journal : null;
            _ownAudit = ownsAudit ? audit : null;
            Journal = journal;
            Audit = audit;
            Processor = new WebhookProcessor(options, journal, audit);
        }

        public WebhookProcessor Processor { get; }
        public ITransferJournal Journal { get; }
        public AuditLog Audit { get; }

        /// <summary>Terminating errors (through <paramref name="cmdlet"/>) for a missing or unusable secret or journal.</summary>
        public static WebhookReceiver Open(PSCmdlet cmdlet, WebhookReceiverSettings settings)
        {
            WebhookSecret secret = ResolveSecret(cmdlet, settings);
            ITransferJournal? journal = null;
            AuditLog? audit = null;
            bool ownsJournal = false;
            bool ownsAudit = false;
            try
            {
                GenesysConnection? connection = SessionConnection.Get(cmdlet);
                // Receivers record new work, so a journal that does not exist yet is created.
                journal = JournalResolver.Open(cmdlet, new JournalChoice(settings.JournalPath, settings.JournalConnectionString, settings.JournalCredential), connection, createIfMissing: true, out ITransferJournal? openedJournal);
                ownsJournal = openedJournal != null;
                audit = JournalResolver.OpenAudit(cmdlet, settings.AuditLogPath, connection, ErrorIds.PathNotFound, out AuditLog? openedAudit, journal);
                ownsAudit = openedAudit != null;

                var options = new WebhookOptions(settings.Scheme, secret)
                {
                    TimestampTolerance = settings.TimestampTolerance,
                    MaxBodyBytes = settings.MaxBodyBytes,
                    EventSource = settings.EventSource,
                    CorrelationId = settings.CorrelationId,
                    AttachmentMetadata = Metadata(settings),
                };
                cmdlet.WriteVerbose($"Receiving {settings.Scheme} callbacks. Journal: {journal!.Location}. Audit log: {audit!.CurrentFile ?? "off"}.");
                return new WebhookReceiver(secret, journal!, ownsJournal, audit!, ownsAudit, options);
            }
            catch
            {
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
            JournalResolver.Close(_ownAudit, _ownJournal);
            _secret.Dispose();
        }
    }
}
