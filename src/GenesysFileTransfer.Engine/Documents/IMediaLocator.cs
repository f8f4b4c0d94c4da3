using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>The Genesys message media a transfer delivered: where to ask for its bytes again.</summary>
    public sealed class MediaReference
    {
        public MediaReference(string conversationId, string communicationId, string mediaId)
        {
            ConversationId = conversationId ?? throw new ArgumentNullException(nameof(conversationId));
            CommunicationId = communicationId ?? throw new ArgumentNullException(nameof(communicationId));
            MediaId = mediaId ?? throw new ArgumentNullException(nameof(mediaId));
        }

        public string ConversationId { get; }
        public string CommunicationId { get; }
        public string MediaId { get; }

        /// <summary>For the audit records of the lookup.</summary>
        public Guid? TransferId { get; set; }

        public string? CorrelationId { get; set; }
    }

    /// <summary>
    /// Finds where a delivered media's bytes can be downloaded now, for documents whose local file is gone. The URL
    /// it returns is a credential (its query is the signature): use it, never log it with its query.
    /// </summary>
    public interface IMediaLocator
    {
        /// <summary>
        /// The media's current download URL, or null when it is not served (any more): unknown media (404/410), media
        /// that is not <c>valid</c>, or no URL. Other failures (network, 5xx, a refused permission) throw, so the
        /// caller can try again later.
        /// </summary>
        Task<Uri?> LocateAsync(MediaReference media, CancellationToken cancellationToken);
    }

    /// <summary>
    /// Genesys Cloud's answer: <c>GET /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages/media/{mediaId}</c>
    /// returns <c>url</c> once the media is valid. The call goes through the connection's API client, so it has its
    /// token, retries and audit records (which carry the path only, never the returned URL).
    /// </summary>
    internal sealed class GenesysMediaLocator : IMediaLocator
    {
        private const string Operation = "media-locate";
        private readonly GenesysMessagingApi _api;

        public GenesysMediaLocator(GenesysMessagingApi api) => _api = api ?? throw new ArgumentNullException(nameof(api));

        public async Task<Uri?> LocateAsync(MediaReference media, CancellationToken cancellationToken)
        {
            if (media is null)
            {
                throw new ArgumentNullException(nameof(media));
            }

            var context = new ApiCallContext(Operation)
            {
                TransferId = media.TransferId,
                MediaId = media.MediaId,
                ConversationId = media.ConversationId,
                CorrelationId = media.CorrelationId,
            };

            MessageMediaData data;
            try
            {
                data = await _api.GetMediaAsync(media.ConversationId, media.CommunicationId, media.MediaId, context, cancellationToken).ConfigureAwait(false);
            }
            catch (GenesysApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.StatusCode == HttpStatusCode.Gone)
            {
                return null;
            }

            if (!string.Equals(data.Status, "valid", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(data.Url))
            {
                return null;
            }

            return Uri.TryCreate(data.Url, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) ? url : null;
        }
    }
}
