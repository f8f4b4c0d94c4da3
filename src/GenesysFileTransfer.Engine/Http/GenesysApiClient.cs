using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>
    /// Authenticated JSON calls to the Genesys Cloud REST API: bearer token, the shared retry policy, one
    /// re-authentication on 401, an audit record per attempt, and ErrorBody-based exceptions.
    /// </summary>
    internal sealed class GenesysApiClient
    {
        private readonly GenesysEnvironment _environment;
        private readonly OAuthTokenProvider _tokens;
        private readonly HttpClient _http;
        private readonly ResilientSender _sender;
        private readonly AuditLog _audit;
        private readonly RequestBudget _budget;
        private readonly TimeProvider _time;

        public GenesysApiClient(GenesysEnvironment environment, OAuthTokenProvider tokens, HttpClient http, ResilientSender sender, AuditLog audit, RequestBudget? budget = null, TimeProvider? time = null)
        {
            _budget = budget ?? new RequestBudget(time);
            _time = time ?? TimeProvider.System;
            _environment = environment;
            _tokens = tokens;
            _http = http;
            _sender = sender;
            _audit = audit;
        }

        public Task<TResponse> GetAsync<TResponse>(string relativePath, ApiCallContext context, CancellationToken cancellationToken)
            where TResponse : class
            => SendAsync<TResponse>(HttpMethod.Get, relativePath, null, context, cancellationToken);

        public Task<TResponse> PostAsync<TResponse>(string relativePath, object body, ApiCallContext context, CancellationToken cancellationToken)
            where TResponse : class
            => SendAsync<TResponse>(HttpMethod.Post, relativePath, body, context, cancellationToken);

        public async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string relativePath, object? body, ApiCallContext context, CancellationToken cancellationToken)
            where TResponse : class
        {
            var uri = new Uri(_environment.ApiBaseUri, relativePath.TrimStart('/'));
            string? payload = body is null ? null : JsonSerializer.Serialize(body, body.GetType(), Json.Options);
            bool reauthenticated = false;
            var total = Stopwatch.StartNew();

            HttpResponseMessage response;
            try
            {
                response = await _sender.SendAsync(
                    async (attempt, token) =>
                    {
                        string bearer = await _tokens.GetTokenAsync(context.CorrelationId, token).ConfigureAwait(false);
                        HttpResponseMessage first = await SendOnceAsync(method, uri, payload, bearer, attempt, context, token).ConfigureAwait(false);
                        if (first.StatusCode != HttpStatusCode.Unauthorized || reauthenticated)
                        {
                            return first;
                        }

                        // A token can die before its stated expiry (revoked, rotated secret): fetch one new token
                        // and repeat the call once; a second 401 is a real authorization failure.
                        first.Dispose();
                        reauthenticated = true;
                        string fresh = await _tokens.ReauthenticateAsync(bearer, context.CorrelationId, token).ConfigureAwait(false);
                        return await SendOnceAsync(method, uri, payload, fresh, attempt, context, token).ConfigureAwait(false);
                    },
                    notice => _audit.Write(new AuditRecord(context.Operation, AuditOutcomes.Retry)
                    {
                        TransferId = context.TransferId,
                        MediaId = context.MediaId,
                        ConversationId = context.ConversationId,
                        CorrelationId = context.CorrelationId,
                        HttpStatus = notice.HttpStatus,
                        Attempt = notice.Attempt,
                        RetryAfterSeconds = notice.Delay.TotalSeconds,
                        HttpMethod = method.Method,
                        Target = uri.AbsolutePath,
                        Detail = (notice.FromRetryAfter ? "waiting as the server asked (Retry-After)" : "backing off") + (notice.Reason is null ? string.Empty : ": " + notice.Reason),
                    }),
                    cancellationToken,
                    onlyUnprocessed: !context.Idempotent).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (GenesysApiException)
            {
                throw;
            }
            catch (Exception ex)
            {
                // A request that is not idempotent (the delivery) is only repeated after answers proving Genesys did not act,
                // so a network fault on it is reported as it is, not as "after every retry".
                string after = context.Idempotent ? " failed after every retry" : " failed (not retried: Genesys may have acted on it)";
                throw new GenesysTransportException(context.Operation, $"{method.Method} {uri.AbsolutePath}{after}: {Redaction.Scrub(ex.Message, new[] { _tokens.CurrentToken })}", ex);
            }

            using (response)
            {
                string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw ToException(context.Operation, method, uri, response, text);
                }

                TResponse? result = ApiClientHelpers.TryDeserialize<TResponse>(text);
                if (result is null)
                {
                    throw new GenesysApiException(context.Operation, response.StatusCode, "invalid.response", $"{method.Method} {uri.AbsolutePath} answered {(int)response.StatusCode} with a body that is not the expected JSON.", ApiClientHelpers.CorrelationIdOf(response));
                }

                return result;
            }
        }

        private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, Uri uri, string? payload, string bearer, int attempt, ApiCallContext context, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (payload != null)
            {
                request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
            }

            // Every attempt, retries and the re-authenticated repeat included, counts against the token's budget.
            await _budget.AcquireAsync(context.Priority, cancellationToken).ConfigureAwait(false);
            DateTimeOffset sentAt = _time.GetUtcNow();
            var watch = Stopwatch.StartNew();
            try
            {
                HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                _budget.Observe(response, sentAt);
                _audit.Write(new AuditRecord(AuditOperations.ApiCall, response.IsSuccessStatusCode ? AuditOutcomes.Success : AuditOutcomes.Failure)
                {
                    TransferId = context.TransferId,
                    MediaId = context.MediaId,
                    ConversationId = context.ConversationId,
                    CorrelationId = context.CorrelationId,
                    IninCorrelationId = ApiClientHelpers.CorrelationIdOf(response),
                    HttpMethod = method.Method,
                    Target = uri.AbsolutePath,
                    HttpStatus = (int)response.StatusCode,
                    Attempt = attempt,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Detail = context.Operation,
                });
                return response;
            }
            catch (Exception ex)
            {
                _audit.Write(new AuditRecord(AuditOperations.ApiCall, cancellationToken.IsCancellationRequested ? AuditOutcomes.Cancelled : AuditOutcomes.Failure)
                {
                    TransferId = context.TransferId,
                    MediaId = context.MediaId,
                    CorrelationId = context.CorrelationId,
                    HttpMethod = method.Method,
                    Target = uri.AbsolutePath,
                    Attempt = attempt,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Detail = context.Operation + ": " + ex.GetType().Name,
                });
                throw;
            }
        }

        private static GenesysApiException ToException(string operation, HttpMethod method, Uri uri, HttpResponseMessage response, string text)
        {
            ErrorBody? error = ApiClientHelpers.TryDeserialize<ErrorBody>(text);
            string correlation = ApiClientHelpers.CorrelationIdOf(response);
            string code = error?.Code ?? "http." + (int)response.StatusCode;
            string fields = error?.Details is null ? string.Empty : string.Join(", ", error.Details.Where(d => !string.IsNullOrEmpty(d.FieldName)).Select(d => d.FieldName));
            string message = $"Genesys Cloud refused {method.Method} {uri.AbsolutePath}: {(int)response.StatusCode} {code}"
                + (string.IsNullOrEmpty(error?.Message) ? string.Empty : " - " + Redaction.Scrub(error!.Message))
                + (fields.Length == 0 ? string.Empty : $" (fields: {fields})")
                + (correlation.Length == 0 ? string.Empty : $" [correlation id {correlation}]");
            return new GenesysApiException(operation, response.StatusCode, code, message, correlation)
            {
                FieldNames = error?.Details?.Where(d => !string.IsNullOrEmpty(d.FieldName)).Select(d => d.FieldName!).ToArray() ?? Array.Empty<string>(),
            };
        }
    }
}
