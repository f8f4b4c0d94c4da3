namespace GenesysFileTransfer.Emulator.Content;

internal sealed record MediaTypeEntry(string Type);

internal sealed record MediaTypeAccess(IReadOnlyList<MediaTypeEntry> Inbound, IReadOnlyList<MediaTypeEntry> Outbound);

internal sealed record MediaTypes(MediaTypeAccess Allow);

internal sealed record SupportedContent(string Id, string Name, int Version, MediaTypes MediaTypes, string SelfUri);

internal sealed record SupportedContentListing(
    IReadOnlyList<SupportedContent> Entities, int PageSize, int PageNumber, long Total, int PageCount, string SelfUri, string FirstUri, string LastUri);

internal sealed record FileUploadMode(IReadOnlyList<string> FileTypes, long MaxFileSizeKB);

internal sealed record FileUploadSettings(bool EnableAttachments, IReadOnlyList<FileUploadMode> Modes);

internal sealed record MessengerSettings(bool Enabled, FileUploadSettings FileUpload);

internal sealed record WebDeploymentConfigurationVersion(
    string Id, string Name, string Version, string Status, MessengerSettings Messenger, string SelfUri);

internal sealed record DeploymentSupportedContent(string Id, string Name, MediaTypes MediaTypes, string SelfUri);

internal sealed record WebDeployment(string Id, string Name, string Status, DeploymentSupportedContent SupportedContent, string SelfUri);

internal sealed record WebDeploymentActiveConfigurationOnDeployment(
    WebDeploymentConfigurationVersion ConfigurationVersion, WebDeployment Deployment);
