using System;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>What an API call is part of, so each audit record names its transfer and step.</summary>
    public sealed class ApiCallContext
    {
        public ApiCallContext(string operation)
        {
            Operation = operation;
        }

        public string Operation { get; }
        public Guid? TransferId { get; set; }
        public string? MediaId { get; set; }
        public string? ConversationId { get; set; }
        public string? CorrelationId { get; set; }
        public string? FileName { get; set; }
        /// <summary>False for calls that must not run twice (sending a message): only retried when the server provably did not act.</summary>
        public bool Idempotent { get; set; } = true;
        /// <summary>Status polls wait behind creates and deliveries when the connection's request budget is short.</summary>
        public RequestPriority Priority { get; set; } = RequestPriority.Normal;
    }
}
