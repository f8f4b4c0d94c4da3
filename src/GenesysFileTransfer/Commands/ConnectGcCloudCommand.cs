using System;
using System.Management.Automation;
using System.Security;
using GenesysFileTransfer.Commands.Completion;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Commands
{
    [Cmdlet(VerbsCommunications.Connect, "GcCloud", DefaultParameterSetName = RegionSet, HelpUri = HelpLinks.CmdletHelp + "Connect-GcCloud.md")]
    [OutputType(typeof(GenesysConnection))]
    public sealed class ConnectGcCloudCommand : AsyncPSCmdlet
    {
        private const string RegionSet = "Region";
        private const string BaseUriSet = "BaseUri";
        internal const string ClientIdVariable = "GENESYS_CLIENT_ID";
        internal const string ClientSecretVariable = "GENESYS_CLIENT_SECRET";
        internal const string RegionVariable = "GENESYS_REGION";

        [Parameter(Position = 0, ParameterSetName = RegionSet)]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? Region { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = BaseUriSet)]
        public Uri? BaseUri { get; set; }

        [Parameter]
        public string? ClientId { get; set; }

        [Parameter]
        public SecureString? ClientSecret { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter]
        public string? AuditLogPath { get; set; }

        [Parameter]
        public SwitchParameter NoAuditLog { get; set; }

        /// <summary>The transfer journal file; the per-user default without it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>
        /// A PostgreSQL journal shared by several processes and machines (an Npgsql connection string, e.g.
        /// <c>Host=gft.postgres.database.azure.com;Database=gft;Username=gft_runbook;SSL Mode=VerifyFull</c>). Without
        /// it and without -JournalPath, the GENESYS_JOURNAL_CONNECTION environment variable is used when set.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalConnectionString { get; set; }

        /// <summary>The journal database's user (when not empty) and password; else the connection string's, PGPASSWORD or .pgpass.</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? JournalCredential { get; set; }

        /// <summary>Do not copy audit records into a PostgreSQL journal (the file log is unaffected).</summary>
        [Parameter]
        public SwitchParameter NoJournalAudit { get; set; }

        /// <summary>Keep transfers in memory only: nothing is recorded, and nothing from earlier sessions is resumed.</summary>
        [Parameter]
        public SwitchParameter NoJournal { get; set; }

        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxRetries { get; set; } = new RetryOptions().MaxRetries;

        /// <summary>How long a claim on a transfer lasts before another process may take it over.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TransferLeaseSec { get; set; } = (int)new TransferLeaseOptions().Duration.TotalSeconds;

        /// <summary>
        /// How long a command waits for a transfer another live process holds before it reports TransferBusy (0: do not
        /// wait at all).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int TransferLeaseWaitSec { get; set; } = (int)new TransferLeaseOptions().WaitTimeout.TotalSeconds;

        /// <summary>
        /// The malware scanner files must pass before they are sent: ClamAV's daemon at tcp://host:3310 or
        /// unix:///path/to/clamd.ctl, or 'defender' for Microsoft Defender's MpCmdRun.exe on Windows.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MalwareScanner { get; set; }

        /// <summary>Signs the audit log's checkpoints (HMAC-SHA256); GENESYS_AUDIT_KEY when absent.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? AuditKey { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (NoJournal && JournalPath != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Pass -JournalPath or -NoJournal, not both."), ErrorIds.ConnectionFailed, ErrorCategory.InvalidArgument, JournalPath));
            }

            if (JournalConnectionString != null && (JournalPath != null || NoJournal))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Pass one of -JournalConnectionString, -JournalPath and -NoJournal."), ErrorIds.JournalParameterConflict, ErrorCategory.InvalidArgument, null));
            }

            // A shared journal named in the environment (a runbook's variable asset, an app setting) when none is named here.
            string? journalConnection = JournalConnectionString
                ?? (JournalPath is null && !NoJournal ? Engine.Journal.TransferJournals.ConnectionStringFromEnvironment() : null);

            GenesysEnvironment environment = ResolveEnvironment();
            GenesysFileTransfer.Engine.Scanning.IMalwareScanner? scanner = null;
            if (MalwareScanner != null)
            {
                try
                {
                    scanner = GenesysFileTransfer.Engine.Scanning.MalwareScannerAddress.Parse(MalwareScanner);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.ConnectionFailed, ErrorCategory.InvalidArgument, MalwareScanner));
                }
            }

            ClientCredentials credentials = ResolveCredentials();
            var options = new ConnectionOptions(environment, credentials)
            {
                AuditLogDirectory = string.IsNullOrEmpty(AuditLogPath) ? null : GetUnresolvedProviderPathFromPSPath(AuditLogPath),
                DisableAuditLog = NoAuditLog.IsPresent,
                JournalPath = JournalPath is null ? null : GetUnresolvedProviderPathFromPSPath(JournalPath),
                DisableJournal = NoJournal.IsPresent,
                JournalConnectionString = journalConnection,
                JournalCredential = JournalResolver.Network(JournalCredential),
                AuditToJournal = !NoJournalAudit.IsPresent,
                Retry = new RetryOptions { MaxRetries = MaxRetries },
                TransferLease = new TransferLeaseOptions { Duration = TimeSpan.FromSeconds(TransferLeaseSec), WaitTimeout = TimeSpan.FromSeconds(TransferLeaseWaitSec) },
                MalwareScanner = scanner,
                AuditKey = AuditKey is null ? null : ClientCredentials.ToUtf8Bytes(AuditKey),
            };

            WriteVerbose($"Connecting to {environment.ApiBaseUri} as OAuth client '{credentials.ClientId}'.");
            GenesysConnection connection;
            try
            {
                connection = Run((queue, stop) => GenesysConnection.ConnectAsync(options, CorrelationId, stop));
            }
            catch (TransferJournalException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.OpenError, ex.Location)
                {
                    ErrorDetails = new ErrorDetails(ex.Message)
                    {
                        RecommendedAction = journalConnection is null
                            ? "Use another -JournalPath, or -NoJournal."
                            : "Check the server, database and user in the connection string, the password (-JournalCredential, PGPASSWORD or .pgpass), the server's firewall and its SSL settings.",
                    },
                });
                return;
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is OperationCanceledException))
            {
                ErrorRecord record = ErrorRecords.From(ex, environment.ApiBaseUri.ToString());
                ThrowTerminatingError(new ErrorRecord(record.Exception, ex is AuthenticationFailedException ? ErrorIds.AuthenticationFailed : ErrorIds.ConnectionFailed, record.CategoryInfo.Category, environment.ApiBaseUri.ToString()));
                return;
            }

            GenesysConnection? previous = SessionConnection.Get(this);
            SessionConnection.Set(this, connection);
            if (previous != null && !SessionConnection.IsHandedOut(previous))
            {
                // Nobody else holds the replaced default connection; close its audit file now rather than at exit.
                previous.Dispose();
            }

            WriteVerbose($"Connected; token valid until {connection.TokenExpiresAt:u}. Audit log: {connection.Audit.CurrentFile ?? "off"}. Transfer journal: {connection.JournalPath ?? "off"}. Malware scanner: {connection.MalwareScanner?.Description ?? "none (files are sent unscanned unless -VirusScanEnabled asks for a scan)"}.");
            // One line for the console (information stream, PSHOST: silenced by -InformationAction Ignore), so an
            // interactive user sees that it worked and where the journal and audit log are.
            HostInformation.Write(this, $"Connected to {environment.ApiBaseUri.GetLeftPart(UriPartial.Authority)} as OAuth client '{credentials.ClientId}'. Journal: {connection.JournalPath ?? "off"}; audit log: {connection.Audit.CurrentFile ?? "off"}.", "Connected");
            if (PassThru)
            {
                SessionConnection.MarkHandedOut(connection);
                WriteObject(connection);
            }
        }

        private GenesysEnvironment ResolveEnvironment()
        {
            try
            {
                if (BaseUri != null)
                {
                    return GenesysEnvironment.FromBaseUri(BaseUri);
                }

                string? region = Region ?? Environment.GetEnvironmentVariable(RegionVariable);
                if (string.IsNullOrWhiteSpace(region))
                {
                    ThrowArgument($"Name a region (-Region, e.g. us_east_1 or eu_west_1), a -BaseUri, or set {RegionVariable}.", ErrorIds.MissingCredentials);
                }

                return region!.StartsWith("http", StringComparison.OrdinalIgnoreCase)
                    ? GenesysEnvironment.FromBaseUri(new Uri(region, UriKind.Absolute))
                    : GenesysEnvironment.FromRegion(region);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is UriFormatException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.ConnectionFailed, ErrorCategory.InvalidArgument, (object?)BaseUri ?? Region)
                {
                    ErrorDetails = new ErrorDetails(ErrorRecords.PlainMessage(ex))
                    {
                        RecommendedAction = "Pass a region key such as eu_west_1 or us_east_1 (-Region), or the API base URL (-BaseUri).",
                    },
                });
                throw;
            }
        }

        /// <summary>-Credential, else -ClientId/-ClientSecret, else the environment variables runbooks use.</summary>
        private ClientCredentials ResolveCredentials()
        {
            string? id = Credential?.UserName ?? ClientId ?? Environment.GetEnvironmentVariable(ClientIdVariable);
            SecureString? secret = Credential?.Password ?? ClientSecret;
            if (secret is null)
            {
                string? fromEnvironment = Environment.GetEnvironmentVariable(ClientSecretVariable);
                if (!string.IsNullOrEmpty(fromEnvironment))
                {
                    secret = ClientCredentials.ToSecureString(fromEnvironment!);
                }
            }

            if (string.IsNullOrWhiteSpace(id) || secret is null || secret.Length == 0)
            {
                ThrowArgument($"No OAuth client credentials: pass -Credential (user name = client id), or -ClientId with -ClientSecret, or set {ClientIdVariable} and {ClientSecretVariable}.", ErrorIds.MissingCredentials);
            }

            return new ClientCredentials(id!, secret!);
        }

        private void ThrowArgument(string message, string errorId) =>
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, null));
    }
}
