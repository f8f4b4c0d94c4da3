using System;
using System.Collections.Generic;
using System.Security;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>How the Azure Blob sink signs in; <see cref="AzureBlobDocumentSinkOptions.Authentication"/> says which one was chosen.</summary>
    public enum AzureBlobAuthentication
    {
        /// <summary>
        /// Nothing named: Azure.Identity's credential chain (<c>DefaultAzureCredential</c>): environment variables
        /// (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET or a certificate), workload identity, the managed
        /// identity (Azure Automation, Azure VMs, App Service), then the Azure CLI, Azure PowerShell and Azure Developer
        /// CLI sign-ins. Visual Studio and interactive sign-ins are left out: a sync runs unattended.
        /// </summary>
        CredentialChain,

        /// <summary>The managed identity of the Automation account, VM or app: system-assigned, or user-assigned by client or resource id.</summary>
        ManagedIdentity,

        /// <summary>A service principal (an Entra ID app registration) with a client secret, in a tenant.</summary>
        ServicePrincipal,

        /// <summary>The storage account's shared key.</summary>
        AccountKey,

        /// <summary>A shared access signature: a SAS token given apart, or the query of a SAS URL.</summary>
        SharedAccessSignature,

        /// <summary>A storage connection string (account key or SAS inside).</summary>
        ConnectionString,
    }

    /// <summary>
    /// How to reach an Azure Storage account's blob service, how to sign in, and which container each document goes to.
    /// Set at most one way of signing in: a connection string, an account key, a SAS, a service principal or the
    /// managed identity; none means the credential chain.
    /// </summary>
    public sealed class AzureBlobDocumentSinkOptions
    {
        /// <summary>
        /// The blob service endpoint, e.g. <c>https://contoso.blob.core.windows.net</c> (or Azurite's
        /// <c>http://127.0.0.1:10000/devstoreaccount1</c>). A query on it is taken as a SAS (a SAS URL) and is never shown.
        /// Plain http is accepted for loopback hosts only. Not with <see cref="ConnectionString"/>.
        /// </summary>
        public Uri? ServiceUri { get; set; }

        /// <summary>A storage connection string (AccountName/AccountKey, SharedAccessSignature, or UseDevelopmentStorage=true).</summary>
        public SecureString? ConnectionString { get; set; }

        /// <summary>The container for documents whose storage bucket reference has no entry in <see cref="ContainerMap"/>.</summary>
        public string? DefaultContainer { get; set; }

        /// <summary>Storage bucket reference (the transfer metadata's UUID) to container name.</summary>
        public IDictionary<Guid, string> ContainerMap { get; } = new Dictionary<Guid, string>();

        /// <summary>Prepended to every blob name, e.g. <c>genesys/</c>.</summary>
        public string? BlobPrefix { get; set; }

        /// <summary>Sign in with the managed identity (system-assigned unless <see cref="ManagedIdentityId"/> is set).</summary>
        public bool UseManagedIdentity { get; set; }

        /// <summary>A user-assigned managed identity: its client id (a GUID) or its Azure resource id (<c>/subscriptions/…</c>).</summary>
        public string? ManagedIdentityId { get; set; }

        /// <summary>The Entra ID tenant of a service principal (required with <see cref="ClientId"/>).</summary>
        public string? TenantId { get; set; }

        /// <summary>A service principal's application (client) id, with <see cref="ClientSecret"/>.</summary>
        public string? ClientId { get; set; }

        public SecureString? ClientSecret { get; set; }

        /// <summary>The storage account key; the account name is read from <see cref="ServiceUri"/>.</summary>
        public SecureString? AccountKey { get; set; }

        /// <summary>A SAS token (with or without the leading '?'), kept apart from the service URI.</summary>
        public SecureString? SasToken { get; set; }

        /// <summary>The SDK's own retries per request; the outbox retries later beyond that.</summary>
        public int MaxRetries { get; set; } = 2;

        /// <summary>One HTTP request's time limit.</summary>
        public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Which way of signing in these options name (throws when they name more than one).</summary>
        public AzureBlobAuthentication Authentication
        {
            get
            {
                var named = new List<AzureBlobAuthentication>();
                if (ConnectionString != null) named.Add(AzureBlobAuthentication.ConnectionString);
                if (AccountKey != null) named.Add(AzureBlobAuthentication.AccountKey);
                if (SasToken != null || !string.IsNullOrEmpty(ServiceUri?.IsAbsoluteUri == true ? ServiceUri.Query.TrimStart('?') : null))
                {
                    named.Add(AzureBlobAuthentication.SharedAccessSignature);
                }

                if (ClientId != null || ClientSecret != null) named.Add(AzureBlobAuthentication.ServicePrincipal);
                if (UseManagedIdentity || ManagedIdentityId != null) named.Add(AzureBlobAuthentication.ManagedIdentity);
                if (named.Count > 1)
                {
                    throw new ArgumentException($"Name one way of signing in to Azure Storage, not {string.Join(" and ", named)}.");
                }

                return named.Count == 0 ? AzureBlobAuthentication.CredentialChain : named[0];
            }
        }
    }
}
