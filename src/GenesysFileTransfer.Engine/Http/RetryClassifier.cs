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

        /// <summary>Statuses that prove the server did not act on the request, so even a non-idempotent one may be repeated.</summary>
        public static bool IsUnprocessedStatus(HttpStatusCode status) => (int)status == 429 || (int)status == 503;

        /// <summary>
        /// True when the connection could not be made at all (the request never reached the server), as opposed to
        /// one that broke or timed out after the request was sent.
        /// </summary>
        public static bool IsConnectFailure(Exception? exception, bool callerCancelled)
        {
            if (exception is null || callerCancelled)
            {
                return false;
            }

            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is System.Net.Sockets.SocketException socket
                    && (socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostNotFound
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.NetworkUnreachable
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostUnreachable))
                {
                    return true;
                }
            }

            return false;
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
