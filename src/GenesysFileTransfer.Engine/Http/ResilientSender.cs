using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>What a retry decision saw, for the audit log and verbose output.</summary>
    public sealed class RetryNotice
    {
        internal RetryNotice(int attempt, int? status, string? reason, TimeSpan delay, bool fromRetryAfter)
        {
            Attempt = attempt;
            HttpStatus = status;
            Reason = reason;
            Delay = delay;
            FromRetryAfter = fromRetryAfter;
        }

        /// <summary>The attempt that failed (1-based).</summary>
        public int Attempt { get; }
        public int? HttpStatus { get; }
        public string? Reason { get; }
        public TimeSpan Delay { get; }
        public bool FromRetryAfter { get; }
    }

    /// <summary>
    /// The one retry policy for API calls and uploads: 408/429/5xx and network faults are retried with exponential
    /// backoff and jitter, a Retry-After is honoured (and a too-long one ends the call), attempts and total time are
    /// bounded, and every 4xx other than 408/429 fails at once.
    /// </summary>
    internal sealed class ResilientSender
    {
        private static readonly ResiliencePropertyKey<Action<RetryNotice>?> NoticeKey = new ResiliencePropertyKey<Action<RetryNotice>?>("gft.notice");
        private static readonly ResiliencePropertyKey<CancellationToken> CallerTokenKey = new ResiliencePropertyKey<CancellationToken>("gft.caller");
        private static readonly ResiliencePropertyKey<bool> OnlyUnprocessedKey = new ResiliencePropertyKey<bool>("gft.only-unprocessed");

        private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
        private readonly RetryOptions _options;
        private readonly TimeProvider _time;
        private readonly TimeSpan _attemptTimeout;

        public ResilientSender(RetryOptions options, TimeSpan attemptTimeout, TimeSpan totalTimeout, TimeProvider time)
        {
            _options = options.Clone();
            _time = time;
            _attemptTimeout = attemptTimeout;
            _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddTimeout(totalTimeout)
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = Math.Max(1, _options.MaxRetries),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = _options.UseJitter,
                    Delay = _options.BaseDelay,
                    MaxDelay = _options.MaxDelay,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(ServerDelay(args.Outcome)),
                    OnRetry = args =>
                    {
                        Notify(args.Context, args.Outcome, args.AttemptNumber + 1, args.RetryDelay);
                        return default;
                    },
                })
                .AddTimeout(attemptTimeout)
                .Build();
        }

        /// <summary>
        /// Runs <paramref name="attempt"/> until it returns a response that is not worth retrying. The delegate
        /// receives the 1-based attempt number and must build a fresh request each time.
        /// </summary>
        /// <param name="onlyUnprocessed">
        /// For requests that must not run twice (sending a message): retry only answers that prove the server did
        /// not act (429, 503) and connections that failed, never a 500/502/504 or a timeout, after which the server
        /// may have acted already.
        /// </param>
        public async Task<HttpResponseMessage> SendAsync(
            Func<int, CancellationToken, Task<HttpResponseMessage>> attempt,
            Action<RetryNotice>? onRetry,
            CancellationToken cancellationToken,
            bool onlyUnprocessed = false)
        {
            if (_options.MaxRetries <= 0)
            {
                // Retries switched off: one attempt, still bounded by the attempt timeout.
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(_attemptTimeout);
                return await attempt(1, bounded.Token).ConfigureAwait(false);
            }

            ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(NoticeKey, onRetry);
            context.Properties.Set(CallerTokenKey, cancellationToken);
            context.Properties.Set(OnlyUnprocessedKey, onlyUnprocessed);
            int number = 0;
            try
            {
                return await _pipeline.ExecuteAsync(
                    async (ctx, state) => await state(Interlocked.Increment(ref number), ctx.CancellationToken).ConfigureAwait(false),
                    context,
                    attempt).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
        {
            CancellationToken caller = context.Properties.GetValue(CallerTokenKey, CancellationToken.None);
            bool onlyUnprocessed = context.Properties.GetValue(OnlyUnprocessedKey, false);
            if (outcome.Exception != null)
            {
                return onlyUnprocessed
                    ? RetryClassifier.IsConnectFailure(outcome.Exception, caller.IsCancellationRequested)
                    : RetryClassifier.IsTransientException(outcome.Exception, caller.IsCancellationRequested);
            }

            HttpResponseMessage? response = outcome.Result;
            if (response is null || !(onlyUnprocessed ? RetryClassifier.IsUnprocessedStatus(response.StatusCode) : RetryClassifier.IsTransientStatus(response.StatusCode)))
            {
                return false;
            }

            TimeSpan? retryAfter = RetryAfter.Parse(response, _time.GetUtcNow());
            return !(retryAfter is TimeSpan wait && wait > _options.MaxRetryAfter);
        }

        private TimeSpan? ServerDelay(Outcome<HttpResponseMessage> outcome) => RetryAfter.Parse(outcome.Result, _time.GetUtcNow());

        private void Notify(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int failedAttempt, TimeSpan delay)
        {
            Action<RetryNotice>? notice = context.Properties.GetValue(NoticeKey, null);
            if (notice is null)
            {
                return;
            }

            bool fromRetryAfter = ServerDelay(outcome) != null;
            string? reason = outcome.Exception is null ? outcome.Result?.ReasonPhrase : outcome.Exception.GetType().Name;
            notice(new RetryNotice(failedAttempt, outcome.Result is null ? (int?)null : (int)outcome.Result.StatusCode, reason, delay, fromRetryAfter));
        }
    }
}
