using System.Collections.Generic;
using System.Text.Json.Serialization;

// Wire shapes of the Genesys Cloud endpoints the module uses, with the platform's field names.
namespace GenesysFileTransfer.Engine.Http
{
    internal sealed class TokenResponse
    {
        [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
        [JsonPropertyName("token_type")] public string? TokenType { get; set; }
        [JsonPropertyName("expires_in")] public long ExpiresIn { get; set; }
    }

    internal sealed class OAuthError
    {
        [JsonPropertyName("error")] public string? Error { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("error_description")] public string? ErrorDescription { get; set; }
    }

    internal sealed class ErrorBody
    {
        public string? Message { get; set; }
        public string? Code { get; set; }
        public int Status { get; set; }
        public string? ContextId { get; set; }
        public List<ErrorDetail>? Details { get; set; }
    }

    internal sealed class ErrorDetail
    {
        public string? ErrorCode { get; set; }
        public string? FieldName { get; set; }
    }

    internal sealed class UploadMediaRequest
    {
        public string FileName { get; set; } = string.Empty;
        public long ContentLengthBytes { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ContentMd5 { get; set; }
    }

    internal sealed class MessageMediaUploadData
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public string? UploadUrl { get; set; }
        public Dictionary<string, string>? UploadHeaders { get; set; }
        public string? SelfUri { get; set; }
    }

    internal sealed class MessageMediaData
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public string? Url { get; set; }
        public string? MediaType { get; set; }
        public long? ContentLengthBytes { get; set; }
        public string? Status { get; set; }
        public string? ConversationId { get; set; }
        public string? CommunicationId { get; set; }

        /// <summary>Genesys has finished validating the media: "valid" or "invalid" (anything else is still in progress).</summary>
        [JsonIgnore] public bool IsValidated => Status == "valid" || Status == "invalid";
    }

    /// <summary>A page of a communication's media (reference §2.3, §10.2).</summary>
    internal sealed class MessageMediaListing
    {
        public List<MessageMediaData>? Entities { get; set; }
        public int? PageSize { get; set; }
        public int? PageNumber { get; set; }
        public long? Total { get; set; }
        public int? PageCount { get; set; }
    }

    internal sealed class AdditionalMessage
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? TextBody { get; set; }
        public List<string> MediaIds { get; set; } = new List<string>();
    }

    internal sealed class MessageData
    {
        public string? Id { get; set; }
        public string? Timestamp { get; set; }
        public string? Status { get; set; }
        public string? ConversationId { get; set; }
        /// <summary>Deprecated in favour of <see cref="NormalizedMessage"/>, but still sent unless normalized-only is asked for.</summary>
        public List<MessageMedia>? Media { get; set; }
        public NormalizedMessage? NormalizedMessage { get; set; }
    }

    internal sealed class MessageMedia
    {
        public string? Id { get; set; }
    }

    internal sealed class NormalizedMessage
    {
        public List<NormalizedContent>? Content { get; set; }
    }

    internal sealed class NormalizedContent
    {
        public string? ContentType { get; set; }
        public ContentAttachment? Attachment { get; set; }
    }

    internal sealed class ContentAttachment
    {
        public string? Id { get; set; }
    }

    /// <summary>GET /api/v2/conversations/messages/{conversationId}: the conversation and its participants' messages.</summary>
    internal sealed class MessageConversation
    {
        public string? Id { get; set; }
        public List<MessageMediaParticipant>? Participants { get; set; }
    }

    internal sealed class MessageMediaParticipant
    {
        public string? Id { get; set; }
        public string? Purpose { get; set; }
        public List<MessageDetails>? Messages { get; set; }
    }

    internal sealed class MessageDetails
    {
        public string? MessageId { get; set; }
        public string? MessageStatus { get; set; }
        public string? MessageTime { get; set; }
    }

    /// <summary>POST …/messages/bulk: the messages asked for (Genesys removed the paging fields in 2023).</summary>
    internal sealed class TextMessageListing
    {
        public List<MessageData>? Entities { get; set; }
    }

    internal sealed class SupportedContent
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public SupportedContentMediaTypes? MediaTypes { get; set; }
    }

    internal sealed class SupportedContentMediaTypes
    {
        public SupportedContentAllow? Allow { get; set; }
    }

    internal sealed class SupportedContentAllow
    {
        public List<MediaTypeEntry>? Inbound { get; set; }
        public List<MediaTypeEntry>? Outbound { get; set; }
    }

    internal sealed class MediaTypeEntry
    {
        public string? Type { get; set; }
    }

    internal sealed class DeploymentActiveConfiguration
    {
        public DeploymentConfigurationVersion? ConfigurationVersion { get; set; }
        public DeploymentSummary? Deployment { get; set; }
    }

    internal sealed class DeploymentConfigurationVersion
    {
        public string? Id { get; set; }
        public MessengerSettings? Messenger { get; set; }
    }

    internal sealed class MessengerSettings
    {
        public FileUploadSettings? FileUpload { get; set; }
    }

    internal sealed class FileUploadSettings
    {
        public bool? EnableAttachments { get; set; }
        public List<FileUploadMode>? Modes { get; set; }
    }

    internal sealed class FileUploadMode
    {
        public List<string>? FileTypes { get; set; }
        public long? MaxFileSizeKB { get; set; }
    }

    internal sealed class DeploymentSummary
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public SupportedContent? SupportedContent { get; set; }
    }
}
