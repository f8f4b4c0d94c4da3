using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>
    /// The Genesys Cloud messaging endpoints this module calls, in one place: their paths, request bodies and answers.
    /// Nothing else in the engine builds a Genesys URL.
    /// </summary>
    internal sealed class GenesysMessagingApi
    {
        /// <summary>The bulk read takes at most 1,000 ids; smaller pages keep each answer small.</summary>
        internal const int BulkPageSize = 100;
        private readonly GenesysApiClient _api;

        public GenesysMessagingApi(GenesysApiClient api) => _api = api;

        /// <summary>POST …/messages/media/uploads: a new media id and its presigned upload URL.</summary>
        public Task<MessageMediaUploadData> CreateUploadAsync(string conversationId, string communicationId, UploadMediaRequest request, ApiCallContext context, CancellationToken cancellationToken) =>
            _api.PostAsync<MessageMediaUploadData>(MediaPath(conversationId, communicationId) + "/uploads", request, context, cancellationToken);

        /// <summary>GET …/messages/media/{mediaId}: the media's validation status (uploading, valid, invalid) and download URL.</summary>
        public Task<MessageMediaData> GetMediaAsync(string conversationId, string communicationId, string mediaId, ApiCallContext context, CancellationToken cancellationToken) =>
            _api.GetAsync<MessageMediaData>(MediaPath(conversationId, communicationId) + "/" + Uri.EscapeDataString(mediaId), context, cancellationToken);

        /// <summary>
        /// GET …/messages/media?pageNumber=&amp;pageSize=: one page of every media of the communication, whatever its
        /// status. Needs conversation:messageMedia:view (not conversation:message:view like the single GET).
        /// </summary>
        public Task<MessageMediaListing> ListMediaAsync(string conversationId, string communicationId, int pageNumber, int pageSize, ApiCallContext context, CancellationToken cancellationToken) =>
            _api.GetAsync<MessageMediaListing>(
                MediaPath(conversationId, communicationId) + "?pageNumber=" + pageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) + "&pageSize=" + pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                context,
                cancellationToken);

        /// <summary>
        /// POST …/communications/{communicationId}/messages with one media id. Not idempotent (Genesys takes no
        /// idempotency key): the sender repeats it only when the server provably did not act.
        /// </summary>
        public Task<MessageData> SendMediaAsync(string conversationId, string communicationId, string mediaId, ApiCallContext context, CancellationToken cancellationToken)
        {
            context.Idempotent = false;
            return _api.PostAsync<MessageData>(
                $"api/v2/conversations/messages/{Uri.EscapeDataString(conversationId)}/communications/{Uri.EscapeDataString(communicationId)}/messages",
                new AdditionalMessage { MediaIds = { mediaId } },
                context,
                cancellationToken);
        }

        /// <summary>GET /api/v2/conversations/messages/{conversationId}: every participant's message ids, in the order listed.</summary>
        public async Task<IReadOnlyList<string>> GetMessageIdsAsync(string conversationId, ApiCallContext context, CancellationToken cancellationToken)
        {
            MessageConversation conversation = await _api.GetAsync<MessageConversation>(
                "api/v2/conversations/messages/" + Uri.EscapeDataString(conversationId), context, cancellationToken).ConfigureAwait(false);
            return (conversation.Participants ?? new List<MessageMediaParticipant>())
                .SelectMany(p => p.Messages ?? new List<MessageDetails>())
                .Select(m => m.MessageId)
                .Where(id => !string.IsNullOrEmpty(id))
                .Select(id => id!)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }

        /// <summary>POST /api/v2/conversations/messages/{conversationId}/messages/bulk, a page of ids at a time.</summary>
        public async Task<IReadOnlyList<MessageData>> GetMessagesAsync(string conversationId, IReadOnlyList<string> messageIds, ApiCallContext context, CancellationToken cancellationToken)
        {
            var messages = new List<MessageData>();
            for (int start = 0; start < messageIds.Count; start += BulkPageSize)
            {
                string[] page = messageIds.Skip(start).Take(BulkPageSize).ToArray();
                TextMessageListing listing = await _api.PostAsync<TextMessageListing>(
                    "api/v2/conversations/messages/" + Uri.EscapeDataString(conversationId) + "/messages/bulk",
                    page,
                    context,
                    cancellationToken).ConfigureAwait(false);
                messages.AddRange(listing.Entities ?? new List<MessageData>());
            }

            return messages;
        }

        /// <summary>GET …/supportedcontent/{id|default}.</summary>
        public Task<SupportedContent> GetSupportedContentAsync(string? supportedContentId, ApiCallContext context, CancellationToken cancellationToken) =>
            _api.GetAsync<SupportedContent>(
                "api/v2/conversations/messaging/supportedcontent/" + (string.IsNullOrEmpty(supportedContentId) ? "default" : Uri.EscapeDataString(supportedContentId!)),
                context,
                cancellationToken);

        /// <summary>GET /api/v2/webdeployments/deployments/{id}/configurations with the supported-content profile expanded.</summary>
        public Task<DeploymentActiveConfiguration> GetDeploymentConfigurationAsync(string deploymentId, ApiCallContext context, CancellationToken cancellationToken) =>
            _api.GetAsync<DeploymentActiveConfiguration>(
                $"api/v2/webdeployments/deployments/{Uri.EscapeDataString(deploymentId)}/configurations?expand=supportedContent",
                context,
                cancellationToken);

        /// <summary>True when the message carries the media, in the normalized or the older shape.</summary>
        public static bool Carries(MessageData message, string mediaId) =>
            (message.Media ?? new List<MessageMedia>()).Any(m => string.Equals(m.Id, mediaId, StringComparison.Ordinal))
            || (message.NormalizedMessage?.Content ?? new List<NormalizedContent>()).Any(c => string.Equals(c.Attachment?.Id, mediaId, StringComparison.Ordinal));

        private static string MediaPath(string conversationId, string communicationId) =>
            $"api/v2/conversations/messages/{Uri.EscapeDataString(conversationId)}/communications/{Uri.EscapeDataString(communicationId)}/messages/media";
    }
}
