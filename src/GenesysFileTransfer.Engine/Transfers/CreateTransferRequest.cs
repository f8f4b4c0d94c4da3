using System;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>Everything needed to open a transfer session for one file.</summary>
    public sealed class CreateTransferRequest
    {
        public CreateTransferRequest(FileCandidate file, string conversationId, string communicationId, FileUploadPolicy policy)
        {
            File = file ?? throw new ArgumentNullException(nameof(file));
            ConversationId = RequireId(conversationId, nameof(conversationId));
            CommunicationId = RequireId(communicationId, nameof(communicationId));
            Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        }

        public FileCandidate File { get; }
        public string ConversationId { get; }
        public string CommunicationId { get; }
        public FileUploadPolicy Policy { get; }
        public bool RequireMetadata { get; set; } = true;
        public string? CorrelationId { get; set; }

        /// <summary>
        /// Opens a new transfer even when the journal already has one for the same bytes, conversation and
        /// communication (which would otherwise be resumed).
        /// </summary>
        public bool StartNew { get; set; }

        private static string RequireId(string value, string name)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"The {name} must not be empty.", name);
            }

            // Ids become path segments of API URLs; anything but a plain token could change the request target.
            foreach (char c in value)
            {
                if (!(char.IsLetterOrDigit(c) || c == '-' || c == '_'))
                {
                    throw new ArgumentException($"The {name} '{value}' contains '{c}'; Genesys ids are letters, digits and dashes.", name);
                }
            }

            return value.Trim();
        }
    }
}
