using System;
using System.IO;
using System.Net;
using System.Net.Http;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>Which failures are worth another attempt. Nothing retries a 4xx other than 408 and 429.</summary>
    public static class RetryClassifier
    {
        public static bool IsTransientStatus(HttpStatusCode status)
        {
            int code = (int)status;
            return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
        }

        /// <summary>
        /// True for network faults: refused or dropped connections, truncated bodies, and attempt timeouts. A
        /// cancellation requested by the caller is never transient.
        /// </summary>
        public static bool IsTransientException(Exception? exception, bool callerCancelled)
        {
            if (exception is null || callerCancelled)
            {
                return false;
            }

            return exception is HttpRequestException
                || exception is IOException
                || exception is Polly.Timeout.TimeoutRejectedException
                || exception is OperationCanceledException
                || exception.InnerException is IOException;
        }
    }
}
