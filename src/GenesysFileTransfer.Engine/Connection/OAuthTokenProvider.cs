using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Connection
{
    /// <summary>
    /// Client-credentials tokens: fetched on demand, cached until shortly before expiry, fetched again once when
    /// the API rejects the cached one. One fetch at a time, so a batch of parallel uploads never stampedes the
    /// login service.
    /// </summary>
    internal sealed class OAuthTokenProvider : IDisposable
    {
        private readonly GenesysEnvironment _environment;
        private readonly ClientCredentials _credentials;
        private readonly HttpClient _http;
        private readonly ResilientSender _sender;
        private readonly AuditLog _audit;
        private readonly TimeProvider _time;
        private readonly TimeSpan _refreshSkew;
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private string? _token;
        private DateTimeOffset _refreshAt;

        public OAuthTokenProvider(GenesysEnvironment environment, ClientCredentials credentials, HttpClient http, ResilientSender sender, AuditLog audit, TimeProvider time, TimeSpan refreshSkew)
        {
            _environment = environment;
            _credentials = credentials;
            _http = http;
            _sender = sender;
            _audit = audit;
            _time = time;
            _refreshSkew = refreshSkew;
        }

        public DateTimeOffset? ExpiresAt { get; private set; }

        /// <summary>The token in use, so redaction can mask it wherever it might surface.</summary>
        public string? CurrentToken => _token;

        public async Task<string> GetTokenAsync(string? correlationId, CancellationToken cancellationToken)
        {
            string? token = _token;
            if (token != null && _time.GetUtcNow() < _refreshAt)
            {
                return token;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_token != null && _time.GetUtcNow() < _refreshAt)
                {
                    return _token;
                }

                return await FetchAsync(AuditOperations.Authenticate, correlationId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>
        /// Called after a 401: fetches a new token unless another caller already replaced the rejected one.
        /// </summary>
        public async Task<string> ReauthenticateAsync(string rejectedToken, string? correlationId, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_token != null && !string.Equals(_token, rejectedToken, StringComparison.Ordinal))
                {
                    return _token;
                }

                return await FetchAsync(AuditOperations.Reauthenticate, correlationId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<string> FetchAsync(string operation, string? correlationId, CancellationToken cancellationToken)
        {
            var tokenUri = new Uri(_environment.LoginBaseUri, "oauth/token");
            var watch = Stopwatch.StartNew();
            HttpResponseMessage response;
            try
            {
                response = await _sender.SendAsync(
                    (attempt, token) =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Post, tokenUri)
                        {
                            Content = new FormUrlEncodedContent(new[] { new KeyValuePair<string, string>("grant_type", "client_credentials") }),
                        };
                        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _credentials.ToBasicParameter());
                        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                        return _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                    },
                    notice => _audit.Write(new AuditRecord(operation, AuditOutcomes.Retry)
                    {
                        CorrelationId = correlationId,
                        HttpStatus = notice.HttpStatus,
                        Attempt = notice.Attempt,
                        RetryAfterSeconds = notice.Delay.TotalSeconds,
                        Target = tokenUri.ToString(),
                        Detail = notice.Reason,
                    }),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
            {
                _audit.Write(new AuditRecord(operation, AuditOutcomes.Failure) { CorrelationId = correlationId, LatencyMs = watch.Elapsed.TotalMilliseconds, Target = tokenUri.ToString(), Detail = ex.GetType().Name });
                throw new GenesysTransportException(operation, $"Could not reach the Genesys Cloud login service at {tokenUri.GetLeftPart(UriPartial.Authority)}: {Redaction.Scrub(ex.Message)}", ex);
            }

            using (response)
            {
                string correlation = ApiClientHelpers.CorrelationIdOf(response);
                string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    OAuthError? error = ApiClientHelpers.TryDeserialize<OAuthError>(body);
                    string code = error?.Error ?? "http." + (int)response.StatusCode;
                    string description = error?.ErrorDescription ?? error?.Description ?? response.ReasonPhrase ?? string.Empty;
                    _audit.Write(new AuditRecord(operation, AuditOutcomes.Failure)
                    {
                        CorrelationId = correlationId,
                        IninCorrelationId = correlation,
                        HttpStatus = (int)response.StatusCode,
                        LatencyMs = watch.Elapsed.TotalMilliseconds,
                        ErrorCode = code,
                        Target = tokenUri.ToString(),
                    });
                    throw new AuthenticationFailedException(
                        response.StatusCode,
                        code,
                        $"Genesys Cloud refused the OAuth client '{_credentials.ClientId}' ({(int)response.StatusCode} {code}): {Redaction.Scrub(description)}. Check the client id and secret, that the client uses the Client Credentials grant, and the region.",
                        correlation);
                }

                TokenResponse? parsed = ApiClientHelpers.TryDeserialize<TokenResponse>(body);
                if (parsed?.AccessToken is null || parsed.AccessToken.Length == 0)
                {
                    throw new GenesysApiException(operation, response.StatusCode, "invalid.token.response", "The login service answered without an access token.", correlation);
                }

                DateTimeOffset now = _time.GetUtcNow();
                TimeSpan lifetime = TimeSpan.FromSeconds(Math.Max(1, parsed.ExpiresIn));
                // Refresh a minute early; for very short-lived tokens, at half-life instead.
                TimeSpan skew = lifetime > _refreshSkew + _refreshSkew ? _refreshSkew : TimeSpan.FromTicks(lifetime.Ticks / 2);
                _token = parsed.AccessToken;
                ExpiresAt = now + lifetime;
                _refreshAt = now + lifetime - skew;
                _audit.Write(new AuditRecord(operation, AuditOutcomes.Success)
                {
                    CorrelationId = correlationId,
                    IninCorrelationId = correlation,
                    HttpStatus = (int)response.StatusCode,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Target = tokenUri.ToString(),
                    Detail = "token lifetime " + (long)lifetime.TotalSeconds + " s",
                });
                return _token;
            }
        }

        public void Dispose() => _gate.Dispose();
    }
}
