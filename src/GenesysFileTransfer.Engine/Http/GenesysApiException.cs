using System;
using System.Net;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>
    /// A Genesys Cloud API call that failed for good (after retries). Carries the platform ErrorBody's code and the
    /// ININ-Correlation-Id so a support case can be opened; the message never holds a token or a URL query.
    /// </summary>
    public class GenesysApiException : Exception
    {
        public GenesysApiException(string operation, HttpStatusCode statusCode, string? errorCode, string message, string? correlationId, Exception? inner = null)
            : base(message, inner)
        {
            Operation = operation;
            StatusCode = statusCode;
            ErrorCode = errorCode;
            CorrelationId = correlationId;
        }

        public string Operation { get; }
        public HttpStatusCode StatusCode { get; }
        /// <summary>The ErrorBody code, e.g. bad.request, not.found, too.many.requests.retry.after.</summary>
        public string? ErrorCode { get; }
        public string? CorrelationId { get; }
        /// <summary>Field names the platform complained about (ErrorBody.details[].fieldName).</summary>
        public string[] FieldNames { get; set; } = Array.Empty<string>();
    }

    /// <summary>The OAuth service refused the client credentials.</summary>
    public sealed class AuthenticationFailedException : GenesysApiException
    {
        public AuthenticationFailedException(HttpStatusCode statusCode, string? errorCode, string message, string? correlationId)
            : base("authenticate", statusCode, errorCode, message, correlationId)
        {
        }
    }

    /// <summary>The request could not be completed: network failure or timeout after every retry.</summary>
    public sealed class GenesysTransportException : Exception
    {
        public GenesysTransportException(string operation, string message, Exception? inner)
            : base(message, inner)
        {
            Operation = operation;
        }

        public string Operation { get; }
    }
}
