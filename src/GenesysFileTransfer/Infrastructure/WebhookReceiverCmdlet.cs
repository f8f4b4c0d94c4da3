using System;
using System.Management.Automation;
using System.Security;
using GenesysFileTransfer.Engine.Validation;
using GenesysFileTransfer.Engine.Webhooks;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// The parameters of both callback commands (Receive-GcWebhookEvent, Start-GcWebhookListener): how a callback
    /// is verified, where accepted work is recorded, and the metadata given to queued attachments.
    /// </summary>
    public abstract class WebhookReceiverCmdlet : AsyncPSCmdlet
    {
        [Parameter]
        public SecureString? Secret { get; set; }

        [Parameter]
        public WebhookScheme Scheme { get; set; } = WebhookScheme.OpenMessaging;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>A PostgreSQL journal shared by several processes and machines (an Npgsql connection string).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalConnectionString { get; set; }

        /// <summary>The journal database's user (when not empty) and password.</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? JournalCredential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AuditLogPath { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimestampToleranceSeconds { get; set; } = (int)WebhookOptions.DefaultTimestampTolerance.TotalSeconds;

        [Parameter]
        [ValidateRange(1, WebhookReceiver.MaxBodyBytesLimit)]
        public int MaxBodyBytes { get; set; } = WebhookOptions.DefaultMaxBodyBytes;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EventSource { get; set; }

        [Parameter]
        public Guid StorageBucketReference { get; set; }

        [Parameter]
        [ValidateRange(AccessPolicy.MinRetentionDays, AccessPolicy.MaxRetentionDays)]
        public int RetentionDays { get; set; }

        internal WebhookReceiverSettings ReceiverSettings() => new WebhookReceiverSettings
        {
            Secret = Secret,
            Scheme = Scheme,
            JournalPath = JournalPath,
            JournalConnectionString = JournalConnectionString,
            JournalCredential = JournalCredential,
            AuditLogPath = AuditLogPath,
            TimestampTolerance = TimeSpan.FromSeconds(TimestampToleranceSeconds),
            MaxBodyBytes = MaxBodyBytes,
            EventSource = EventSource,
            StorageBucketReference = MyInvocation.BoundParameters.ContainsKey(nameof(StorageBucketReference)) ? StorageBucketReference : (Guid?)null,
            RetentionDays = MyInvocation.BoundParameters.ContainsKey(nameof(RetentionDays)) ? RetentionDays : (int?)null,
            CorrelationId = CorrelationId,
        };
    }
}
