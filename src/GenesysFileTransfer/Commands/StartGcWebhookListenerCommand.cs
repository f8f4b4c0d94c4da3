using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Validation;
using GenesysFileTransfer.Engine.Webhooks;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Receives callbacks on HTTP prefixes until Ctrl+C, processing each like Receive-GcWebhookEvent and writing each
    /// result to the pipeline (from the pipeline thread) as it is answered.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "GcWebhookListener", HelpUri = HelpLinks.CmdletHelp + "Start-GcWebhookListener.md")]
    [OutputType(typeof(WebhookResult))]
    public sealed class StartGcWebhookListenerCommand : WebhookReceiverCmdlet
    {
        /// <summary>HttpListener prefixes, e.g. http://127.0.0.1:8080/genesys/ (a trailing '/' is added when missing).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Prefix { get; set; } = Array.Empty<string>();

        /// <summary>Callbacks processed at once; more wait for a free slot.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 16;

        protected override void ProcessRecord()
        {
            WebhookReceiver receiver = WebhookReceiver.Open(this, ReceiverSettings());

            WebhookListener? listener = null;
            try
            {
                listener = StartListener(receiver.Processor);
                // A banner for the person at the console (information stream, PSHOST: -InformationAction Ignore silences it).
                HostInformation.Write(this, $"Listening for Genesys Cloud callbacks on {string.Join(", ", listener.Prefixes)}; press Ctrl+C to stop.", "Listening");
                WebhookListener running = listener;
                RunWork(
                    (queue, stop) => running.RunAsync(
                        result =>
                        {
                            queue.Verbose(WebhookReceiver.Describe(result));
                            queue.Output(result);
                        },
                        ex => queue.Error(ErrorRecords.From(ex, string.Join(", ", running.Prefixes))),
                        stop),
                    ex => ErrorRecords.From(ex, string.Join(", ", running.Prefixes)));
            }
            finally
            {
                // Reached on Ctrl+C too (as PipelineStoppedException passes): the port is free when the prompt returns.
                listener?.Dispose();
                receiver.Dispose();
            }
        }

        private WebhookListener StartListener(WebhookProcessor processor)
        {
            WebhookListener? listener = null;
            try
            {
                listener = new WebhookListener(processor, Prefix, ThrottleLimit);
                listener.Start();
                return listener;
            }
            catch (ArgumentException ex)
            {
                listener?.Dispose();
                ThrowTerminatingError(new ErrorRecord(ex, WebhookErrorIds.WebhookListenerFailed, ErrorCategory.InvalidArgument, Prefix));
            }
            catch (Exception ex) when (ex is HttpListenerException || ex is PlatformNotSupportedException || ex is ObjectDisposedException)
            {
                listener?.Dispose();
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"Cannot listen on {string.Join(", ", Prefix)}: {ex.Message} (a prefix in use by another program, or, on Windows, one this user may not register; see 'netsh http add urlacl').", ex),
                    WebhookErrorIds.WebhookListenerFailed,
                    ErrorCategory.ResourceUnavailable,
                    Prefix));
            }

            throw new InvalidOperationException("unreachable");
        }
    }
}
