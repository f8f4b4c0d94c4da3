using System;
using System.Collections;
using System.Management.Automation;
using System.Security;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// The Azure Blob Storage parameters of Sync-GcFileTransferDocument: two parameter sets, by endpoint
    /// (-AzureBlobServiceUri, signing in with a managed identity, a service principal, an account key, a SAS or the
    /// Azure credential chain) or by connection string. Only strings, URIs, hashtables, switches, PSCredential and
    /// SecureString here: the Azure SDK's types are built in the engine, inside the module's own load context.
    /// </summary>
    public sealed partial class SyncGcFileTransferDocumentCommand
    {
        private const string AzureBlobSet = "AzureBlob";
        private const string AzureBlobConnectionStringSet = "AzureBlobConnectionString";

        /// <summary>The blob service endpoint, https://&lt;account&gt;.blob.core.windows.net; a query on it is a SAS.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AzureBlobSet)]
        [ValidateNotNull]
        public Uri? AzureBlobServiceUri { get; set; }

        /// <summary>A storage connection string, instead of -AzureBlobServiceUri and a way of signing in.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AzureBlobConnectionStringSet)]
        [ValidateNotNull]
        public SecureString? AzureBlobConnectionString { get; set; }

        /// <summary>The container for documents whose storage bucket reference is not in -AzureBlobContainerMap.</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [Parameter(ParameterSetName = AzureBlobConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string? AzureBlobContainer { get; set; }

        /// <summary>Storage bucket reference (UUID) to container name.</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [Parameter(ParameterSetName = AzureBlobConnectionStringSet)]
        [ValidateNotNull]
        public Hashtable? AzureBlobContainerMap { get; set; }

        /// <summary>Put before every blob name, such as genesys/.</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [Parameter(ParameterSetName = AzureBlobConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string? AzureBlobPrefix { get; set; }

        /// <summary>Sign in with the managed identity of the Automation account, VM or app (system-assigned unless -AzureManagedIdentityId).</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        public SwitchParameter AzureManagedIdentity { get; set; }

        /// <summary>A user-assigned managed identity: its client id, or its resource id (/subscriptions/…).</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [ValidateNotNullOrEmpty]
        public string? AzureManagedIdentityId { get; set; }

        /// <summary>A service principal: user name = application (client) id, password = client secret; with -AzureTenantId.</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [Credential]
        [ValidateNotNull]
        public PSCredential? AzureCredential { get; set; }

        /// <summary>The Entra ID tenant of -AzureCredential (and the tenant the credential chain signs in to).</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [ValidateNotNullOrEmpty]
        public string? AzureTenantId { get; set; }

        /// <summary>The storage account key (the account name comes from -AzureBlobServiceUri).</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [ValidateNotNull]
        public SecureString? AzureStorageAccountKey { get; set; }

        /// <summary>A SAS token, kept apart from -AzureBlobServiceUri.</summary>
        [Parameter(ParameterSetName = AzureBlobSet)]
        [ValidateNotNull]
        public SecureString? AzureBlobSasToken { get; set; }

        private bool IsAzureBlobSet => ParameterSetName == AzureBlobSet || ParameterSetName == AzureBlobConnectionStringSet;

        /// <summary>What a DocumentSinkInvalid error points at: the endpoint without its query (a SAS), or the container.</summary>
        private object? AzureBlobTarget => (object?)Redaction.StripQuery(AzureBlobServiceUri) ?? AzureBlobContainer;

        private IDocumentSink CreateAzureBlobSink()
        {
            var options = new AzureBlobDocumentSinkOptions
            {
                ServiceUri = AzureBlobServiceUri,
                ConnectionString = AzureBlobConnectionString,
                DefaultContainer = AzureBlobContainer,
                BlobPrefix = AzureBlobPrefix,
                UseManagedIdentity = AzureManagedIdentity.IsPresent,
                ManagedIdentityId = AzureManagedIdentityId,
                TenantId = AzureTenantId,
                ClientId = AzureCredential?.UserName,
                ClientSecret = AzureCredential?.Password,
                AccountKey = AzureStorageAccountKey,
                SasToken = AzureBlobSasToken,
            };
            if (AzureCredential != null && string.IsNullOrWhiteSpace(AzureTenantId))
            {
                throw new ArgumentException("-AzureCredential signs in a service principal, which needs -AzureTenantId (the Entra ID tenant id or domain).");
            }

            if (AzureBlobContainerMap != null)
            {
                foreach (DictionaryEntry entry in AzureBlobContainerMap)
                {
                    string? container = entry.Value?.ToString();
                    if (!Guid.TryParse(entry.Key?.ToString(), out Guid reference) || string.IsNullOrWhiteSpace(container))
                    {
                        throw new ArgumentException($"-AzureBlobContainerMap entry '{entry.Key}' must map a storage bucket reference (a UUID) to a container name.");
                    }

                    options.ContainerMap[reference] = container!;
                }
            }

            return new AzureBlobDocumentSink(options);
        }
    }
}
