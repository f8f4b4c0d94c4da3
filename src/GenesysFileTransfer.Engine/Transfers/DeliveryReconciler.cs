using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Answers "does the conversation already hold a message carrying this media?" through the Conversations API:
    /// the participants' message ids (<c>GET /api/v2/conversations/messages/{conversationId}</c>), then their details
    /// (<c>POST …/messages/bulk</c>). Genesys takes no idempotency key on a send, so this read is how a send whose answer
    /// was lost is settled. Needs the permission <c>conversation:message:view</c>.
    /// </summary>
    internal sealed class DeliveryReconciler
    {
        private readonly GenesysMessagingApi _api;

        public DeliveryReconciler(GenesysMessagingApi api) => _api = api;

        /// <summary>The id of the message carrying <see cref="FileTransfer.MediaId"/>, or null when there is none.</summary>
        public async Task<ReconcileResult> FindDeliveryAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            var context = new ApiCallContext(AuditOperations.Reconcile)
            {
                TransferId = transfer.TransferId,
                MediaId = transfer.MediaId,
                ConversationId = transfer.ConversationId,
                CorrelationId = correlationId,
                FileName = transfer.FileName,
            };
            IReadOnlyList<string> ids = await _api.GetMessageIdsAsync(transfer.ConversationId, context, cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                return new ReconcileResult(null, 0);
            }

            // Newest first: a lost answer is about a message sent moments ago.
            IReadOnlyList<MessageData> messages = await _api.GetMessagesAsync(transfer.ConversationId, ids.Reverse().ToArray(), context, cancellationToken).ConfigureAwait(false);
            MessageData? match = messages.FirstOrDefault(m => GenesysMessagingApi.Carries(m, transfer.MediaId!));
            return new ReconcileResult(match?.Id, ids.Count);
        }
    }

    internal readonly struct ReconcileResult
    {
        public ReconcileResult(string? messageId, int messagesRead)
        {
            MessageId = messageId;
            MessagesRead = messagesRead;
        }

        /// <summary>The message that carries the media; null when the conversation holds none.</summary>
        public string? MessageId { get; }
        public int MessagesRead { get; }
        public bool Found => MessageId != null;
    }
}
