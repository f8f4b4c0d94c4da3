using System;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>What to do with a file or transfer: upload only, or also wait for Genesys' validation, or also deliver.</summary>
    public sealed class SendOptions
    {
        /// <summary>After the upload, wait until Genesys has validated the media.</summary>
        public bool Wait { get; set; }

        /// <summary>After validation, send the media into the conversation (implies <see cref="Wait"/>).</summary>
        public bool Deliver { get; set; }

        public ScanWaitOptions Scan { get; set; } = new ScanWaitOptions();

        public string? CorrelationId { get; set; }
    }

    /// <summary>What a host (a cmdlet's progress bar, a runbook's log) hears while a file is sent; every member is optional.</summary>
    public interface ISendObserver
    {
        /// <summary>The transfer is known (new, or found in the journal for the same file and target).</summary>
        void Opened(FileTransfer transfer);

        /// <summary>A step starts: "uploading", "waiting for Genesys to validate the media", "delivering into the conversation"…</summary>
        void Stage(string stage);

        /// <summary>Bytes uploaded so far in the current attempt.</summary>
        void Uploaded(long bytes);

        /// <summary>Something worth a verbose line.</summary>
        void Note(string message);
    }

    /// <summary>
    /// The one entry point for "send a file": create (or resume) → upload → wait for validation → deliver, for any host
    /// (cmdlet, runbook, Azure Function, benchmark). The transfer is held under one lease for the whole sequence, each
    /// step reads the journal's state and records its own transition, media Genesys lost is replaced by a new upload
    /// under the same TransferId, and a send whose answer was lost is settled by reading the conversation back.
    /// </summary>
    public sealed class FileSender
    {
        /// <summary>How many times one send replaces media Genesys lost before it reports the failure.</summary>
        private const int MaxMediaReplacements = 2;

        /// <summary>How many times one send starts over after finding that another process moved its transfer on.</summary>
        private const int MaxConflictRestarts = 2;
        private readonly FileTransferService _steps;

        internal FileSender(FileTransferService steps) => _steps = steps;

        /// <summary>Validates and records the file's transfer (or finds the journal's), then sends it as far as <paramref name="options"/> say.</summary>
        public Task<FileTransfer> SendAsync(CreateTransferRequest request, SendOptions options, ISendObserver? observer, CancellationToken cancellationToken)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            FileTransfer transfer = _steps.Record(request, cancellationToken);
            return RunAsync(transfer, options, observer, cancellationToken);
        }

        /// <summary>Sends an existing transfer as far as <paramref name="options"/> say, from the state the journal holds now.</summary>
        public Task<FileTransfer> SendAsync(FileTransfer transfer, SendOptions options, ISendObserver? observer, CancellationToken cancellationToken) =>
            RunAsync(transfer ?? throw new ArgumentNullException(nameof(transfer)), options, observer, cancellationToken);

        private async Task<FileTransfer> RunAsync(FileTransfer transfer, SendOptions options, ISendObserver? observer, CancellationToken cancellationToken)
        {
            options ??= new SendOptions();
            for (int conflicts = 0; ; conflicts++)
            {
                try
                {
                    return await RunLeasedAsync(transfer, options, observer, cancellationToken).ConfigureAwait(false);
                }
                catch (TransferConflictException) when (conflicts < MaxConflictRestarts)
                {
                    // Another process moved the transfer on while this one was paused past its lease: nothing was done
                    // on the stale state, so take the transfer again and go on from what the journal holds now (often:
                    // delivered by the other process).
                    observer?.Note($"{transfer.FileName}: another process moved transfer {transfer.TransferId} on meanwhile; going on from the state the journal holds now.");
                }
            }
        }

        private async Task<FileTransfer> RunLeasedAsync(FileTransfer transfer, SendOptions options, ISendObserver? observer, CancellationToken cancellationToken)
        {
            using TransferLease lease = await _steps.LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            observer?.Opened(transfer);
            var bytes = observer is null ? null : new Progress(observer);
            for (int replaced = 0; ; replaced++)
            {
                switch (transfer.Status)
                {
                    case TransferStatus.Delivered:
                        await _steps.DeliverLockedAsync(lease, transfer, options.CorrelationId, cancellationToken).ConfigureAwait(false);
                        return transfer;
                    case TransferStatus.Invalid:
                        return transfer;
                    case TransferStatus.Delivering:
                    case TransferStatus.DeliveryUnknown:
                        if (!options.Deliver)
                        {
                            return transfer;
                        }

                        observer?.Stage("checking whether an earlier send reached the conversation");
                        await _steps.DeliverLockedAsync(lease, transfer, options.CorrelationId, cancellationToken).ConfigureAwait(false);
                        if (transfer.Status == TransferStatus.Delivered)
                        {
                            return transfer;
                        }

                        break;
                }

                try
                {
                    if (transfer.Status != TransferStatus.Valid)
                    {
                        observer?.Stage("uploading");
                        await _steps.UploadLockedAsync(transfer, bytes, options.CorrelationId, cancellationToken).ConfigureAwait(false);
                        observer?.Note($"{transfer.FileName}: {transfer.Length} bytes uploaded as media {transfer.MediaId}.");
                        if (!options.Wait && !options.Deliver)
                        {
                            return transfer;
                        }

                        observer?.Stage("waiting for Genesys to validate the media");
                        await _steps.WaitLockedAsync(transfer, options.Scan, options.CorrelationId, cancellationToken).ConfigureAwait(false);
                        if (transfer.Status == TransferStatus.Invalid || !options.Deliver)
                        {
                            return transfer;
                        }
                    }
                    else if (!options.Deliver)
                    {
                        return transfer;
                    }

                    observer?.Stage("delivering into the conversation");
                    await _steps.DeliverLockedAsync(lease, transfer, options.CorrelationId, cancellationToken).ConfigureAwait(false);
                    return transfer;
                }
                catch (MediaLostException ex) when (replaced < MaxMediaReplacements)
                {
                    observer?.Note($"{transfer.FileName}: Genesys no longer knows media {ex.MediaId}; opening a new media upload for transfer {transfer.TransferId}.");
                }
                catch (Http.GenesysApiException ex) when (transfer.Status == TransferStatus.Failed && (int)ex.StatusCode == 400 && replaced < MaxMediaReplacements)
                {
                    // Genesys refused the media at the send (e.g. it no longer knows it): nothing was delivered, so the
                    // file is uploaded anew under the same transfer and sent again.
                    observer?.Note($"{transfer.FileName}: Genesys refused media at the send ({ex.ErrorCode}); uploading it again as a new media.");
                }
            }
        }

        private sealed class Progress : IProgress<long>
        {
            private readonly ISendObserver _observer;

            public Progress(ISendObserver observer) => _observer = observer;

            public void Report(long value) => _observer.Uploaded(value);
        }
    }
}
