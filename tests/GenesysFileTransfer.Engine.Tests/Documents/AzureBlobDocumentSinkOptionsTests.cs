using Azure.Identity;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>How the Azure Blob sink chooses its way of signing in and what it refuses before any request.</summary>
public sealed class AzureBlobDocumentSinkOptionsTests
{
    private static readonly Uri Account = new("https://contoso.blob.core.windows.net");

    [Fact]
    public void Each_way_of_signing_in_is_chosen_by_what_is_given_and_nothing_given_is_the_credential_chain()
    {
        Assert.Equal(AzureBlobAuthentication.CredentialChain, new AzureBlobDocumentSinkOptions { ServiceUri = Account }.Authentication);
        Assert.Equal(AzureBlobAuthentication.ManagedIdentity, new AzureBlobDocumentSinkOptions { ServiceUri = Account, UseManagedIdentity = true }.Authentication);
        Assert.Equal(AzureBlobAuthentication.ManagedIdentity, new AzureBlobDocumentSinkOptions { ServiceUri = Account, ManagedIdentityId = Guid.NewGuid().ToString() }.Authentication);
        Assert.Equal(AzureBlobAuthentication.ServicePrincipal, new AzureBlobDocumentSinkOptions { ServiceUri = Account, TenantId = "t", ClientId = "c", ClientSecret = Secret("s") }.Authentication);
        Assert.Equal(AzureBlobAuthentication.AccountKey, new AzureBlobDocumentSinkOptions { ServiceUri = Account, AccountKey = Secret("k") }.Authentication);
        Assert.Equal(AzureBlobAuthentication.SharedAccessSignature, new AzureBlobDocumentSinkOptions { ServiceUri = new Uri(Account, "?sv=2024-01-01&sig=abc") }.Authentication);
        Assert.Equal(AzureBlobAuthentication.SharedAccessSignature, new AzureBlobDocumentSinkOptions { ServiceUri = Account, SasToken = Secret("sv=1&sig=x") }.Authentication);
        Assert.Equal(AzureBlobAuthentication.ConnectionString, new AzureBlobDocumentSinkOptions { ConnectionString = Secret("UseDevelopmentStorage=true") }.Authentication);
    }

    [Fact]
    public void Two_ways_of_signing_in_at_once_are_refused()
    {
        var options = new AzureBlobDocumentSinkOptions { ServiceUri = Account, UseManagedIdentity = true, AccountKey = Secret("k"), DefaultContainer = "dms" };

        var error = Assert.Throws<ArgumentException>(() => new AzureBlobDocumentSink(options));

        Assert.Contains("AccountKey", error.Message);
        Assert.Contains("ManagedIdentity", error.Message);
    }

    [Fact]
    public void The_managed_identity_the_service_principal_and_the_chain_build_azure_identity_credentials()
    {
        Assert.IsType<ManagedIdentityCredential>(AzureBlobDocumentSink.CreateTokenCredential(new AzureBlobDocumentSinkOptions { UseManagedIdentity = true }, AzureBlobAuthentication.ManagedIdentity));
        Assert.IsType<ClientSecretCredential>(AzureBlobDocumentSink.CreateTokenCredential(
            new AzureBlobDocumentSinkOptions { TenantId = Guid.NewGuid().ToString(), ClientId = Guid.NewGuid().ToString(), ClientSecret = Secret("secret") }, AzureBlobAuthentication.ServicePrincipal));
        Assert.IsType<DefaultAzureCredential>(AzureBlobDocumentSink.CreateTokenCredential(new AzureBlobDocumentSinkOptions(), AzureBlobAuthentication.CredentialChain));
        Assert.Throws<ArgumentException>(() => AzureBlobDocumentSink.CreateTokenCredential(new AzureBlobDocumentSinkOptions { ClientId = "c", ClientSecret = Secret("s") }, AzureBlobAuthentication.ServicePrincipal));
    }

    [Fact]
    public void A_user_assigned_identity_is_named_by_client_id_or_resource_id_and_anything_else_is_refused()
    {
        Assert.Equal(ManagedIdentityId.SystemAssigned.ToString(), AzureBlobDocumentSink.ManagedIdentity(null).ToString());
        string clientId = Guid.NewGuid().ToString();
        Assert.Contains(clientId, AzureBlobDocumentSink.ManagedIdentity(clientId).ToString());
        const string resourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/archiver";
        Assert.Contains("archiver", AzureBlobDocumentSink.ManagedIdentity(resourceId).ToString());
        Assert.Throws<ArgumentException>(() => AzureBlobDocumentSink.ManagedIdentity("archiver"));
    }

    [Theory]
    [InlineData("http://contoso.example/", false)] // plain http to another host
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", true)] // a token over plain http, even locally
    [InlineData("ftp://contoso.blob.core.windows.net", false)]
    public void An_endpoint_that_would_expose_requests_or_tokens_is_refused(string uri, bool managedIdentity)
    {
        var options = new AzureBlobDocumentSinkOptions { ServiceUri = new Uri(uri), DefaultContainer = "dms", UseManagedIdentity = managedIdentity };
        if (!managedIdentity) options.AccountKey = Secret("a2V5");

        Assert.Throws<ArgumentException>(() => new AzureBlobDocumentSink(options));
    }

    [Theory]
    [InlineData("DMS")]
    [InlineData("a")]
    [InlineData("legal--hold")]
    [InlineData("-dms")]
    [InlineData("dms_archive")]
    public void A_name_azure_does_not_allow_for_a_container_is_refused_before_any_request(string container)
    {
        var options = new AzureBlobDocumentSinkOptions { ServiceUri = Account, AccountKey = Secret("a2V5") };
        options.ContainerMap[Guid.NewGuid()] = container;

        var error = Assert.Throws<ArgumentException>(() => new AzureBlobDocumentSink(options));

        Assert.Contains(container, error.Message);
    }

    [Fact]
    public void No_container_at_all_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ServiceUri = Account, AccountKey = Secret("a2V5") }));
    }

    [Fact]
    public void A_connection_string_that_cannot_be_read_is_refused_without_quoting_it()
    {
        const string secret = "AccountName=x;AccountKey=c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=;Nonsense";
        var error = Assert.Throws<ArgumentException>(() => new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ConnectionString = Secret(secret), DefaultContainer = "dms" }));

        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public void The_description_names_the_endpoint_and_the_way_of_signing_in_but_no_sas()
    {
        using var sink = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ServiceUri = new Uri("https://contoso.blob.core.windows.net/?sv=2024-01-01&sig=c2lnbmF0dXJl"), DefaultContainer = "dms" });
        using var identity = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ServiceUri = Account, DefaultContainer = "dms", UseManagedIdentity = true });

        Assert.Equal("Azure Blob https://contoso.blob.core.windows.net (SAS) (default container dms)", sink.Description);
        Assert.Equal("Azure Blob https://contoso.blob.core.windows.net (managed identity) (default container dms)", identity.Description);
    }

    [Fact]
    public void Metadata_names_become_azure_identifiers_and_values_stay_ascii()
    {
        var metadata = new DocumentMetadata
        {
            DocumentKey = "transfer/1", FileName = "Reçu.pdf", Sha256 = new string('a', 64), SourceKind = "transfer",
            TransferId = Guid.Empty, RetentionDays = 30, StorageBucketReference = DocumentTestKit.BucketReference,
        };

        IDictionary<string, string> blob = AzureBlobDocumentSink.ToBlobMetadata(metadata);

        Assert.All(blob.Keys, name => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", name));
        Assert.Equal("Re%C3%A7u.pdf", blob["file_name"]);
        Assert.Equal("30", blob["retention_days"]);
        Assert.Equal(new string('a', 64), blob["sha256"]);
        Assert.All(blob.Values, value => Assert.All(value, c => Assert.InRange(c, ' ', '~')));
    }

    [Fact]
    public void Messages_lose_signatures_keys_and_connection_string_secrets()
    {
        string scrubbed = AzureBlobDocumentSink.Scrub("failed at https://a.blob.core.windows.net/c/b?sv=1&sig=abcdef123456 with AccountKey=bXlrZXk=;EndpointSuffix=x and SharedAccessSignature=sv=1&sig=zzz");

        Assert.DoesNotContain("abcdef123456", scrubbed);
        Assert.DoesNotContain("bXlrZXk=", scrubbed);
        Assert.DoesNotContain("sig=zzz", scrubbed);
    }

    private static System.Security.SecureString Secret(string value) => ClientCredentials.ToSecureString(value);
}
