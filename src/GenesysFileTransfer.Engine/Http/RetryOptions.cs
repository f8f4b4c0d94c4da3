using System;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>How hard a request is retried. The defaults suit interactive use and runbooks alike.</summary>
    public sealed class RetryOptions
    {
        /// <summary>Retries after the first attempt.</summary>
        public int MaxRetries { get; set; } = 5;
        /// <summary>First backoff delay; doubles per retry, with jitter.</summary>
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>A Retry-After longer than this is not waited for; the call fails instead (the .NET SDK uses 180 s).</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(180);
        /// <summary>Bound on one call including all its retries and waits.</summary>
        public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(10);
        /// <summary>Bound on one API attempt (uploads use <see cref="UploadAttemptTimeout"/>).</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);
        public TimeSpan UploadAttemptTimeout { get; set; } = TimeSpan.FromMinutes(30);
        /// <summary>Bound on one upload including all its retries; large files on slow links need far more than an API call.</summary>
        public TimeSpan UploadTotalTimeout { get; set; } = TimeSpan.FromHours(2);
        public bool UseJitter { get; set; } = true;

        internal RetryOptions Clone() => (RetryOptions)MemberwiseClone();
    }
}
