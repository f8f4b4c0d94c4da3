using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>Reads the organization's upload rules from Genesys and turns them into a <see cref="FileUploadPolicy"/>.</summary>
    public sealed class UploadPolicyReader
    {
        private readonly GenesysMessagingApi _api;
        private readonly AuditLog _audit;

        internal UploadPolicyReader(GenesysMessagingApi api, AuditLog audit)
        {
            _api = api;
            _audit = audit;
        }

        /// <summary>The organization's supported-content profile as an upload policy (the default profile when no id is given).</summary>
        public async Task<FileUploadPolicy> GetSupportedContentPolicyAsync(string? supportedContentId, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            SupportedContent profile = await _api.GetSupportedContentAsync(supportedContentId, new ApiCallContext(AuditOperations.PolicyRead) { CorrelationId = correlationId }, cancellationToken).ConfigureAwait(false);
            FileUploadPolicy policy = FileUploadPolicy.FromSupportedContent(
                profile.MediaTypes?.Allow?.Outbound?.Select(t => t.Type).Where(t => !string.IsNullOrEmpty(t)).Select(t => t!) ?? Enumerable.Empty<string>(),
                null,
                "supportedContent:" + (profile.Id ?? supportedContentId ?? "default") + (profile.Name is null ? string.Empty : " (" + profile.Name + ")"));
            Audited(policy, correlationId, watch);
            return policy;
        }

        /// <summary>The effective upload policy of a Messenger deployment: its supported-content profile and file-size limit.</summary>
        public async Task<FileUploadPolicy> GetDeploymentPolicyAsync(string deploymentId, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            DeploymentActiveConfiguration active = await _api.GetDeploymentConfigurationAsync(deploymentId, new ApiCallContext(AuditOperations.PolicyRead) { CorrelationId = correlationId }, cancellationToken).ConfigureAwait(false);
            List<MediaTypeEntry>? outbound = active.Deployment?.SupportedContent?.MediaTypes?.Allow?.Outbound;
            List<FileUploadMode> modes = active.ConfigurationVersion?.Messenger?.FileUpload?.Modes ?? new List<FileUploadMode>();
            IEnumerable<string> types = outbound != null
                ? outbound.Select(t => t.Type).Where(t => !string.IsNullOrEmpty(t)).Select(t => t!)
                : modes.SelectMany(m => m.FileTypes ?? new List<string>());
            // A mode without a positive size states no limit; the platform's 25 MB then applies.
            long? maxKb = modes.Where(m => m.MaxFileSizeKB > 0).Select(m => m.MaxFileSizeKB).DefaultIfEmpty(null).Max();
            FileUploadPolicy policy = FileUploadPolicy.FromSupportedContent(types, maxKb * 1024, "deployment:" + deploymentId);
            Audited(policy, correlationId, watch);
            return policy;
        }

        private void Audited(FileUploadPolicy policy, string? correlationId, Stopwatch watch) =>
            _audit.Write(new AuditRecord(AuditOperations.PolicyRead, AuditOutcomes.Success) { CorrelationId = correlationId, LatencyMs = watch.Elapsed.TotalMilliseconds, Detail = policy.Source });
    }
}
