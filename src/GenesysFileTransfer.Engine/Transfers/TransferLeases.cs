using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Claims transfers for this connection. Inside one process a gate per transfer id serializes the work of every
    /// pipeline; across processes a lease in the journal does (owner + expiry, renewed while the work runs), so two
    /// processes never upload or deliver one transfer at once and a dead owner's work is taken over once its lease
    /// runs out. Waiting for another owner polls the journal; nothing is acted on until the lease is ours.
    /// </summary>
    internal sealed class TransferLeases
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
        private readonly ITransferStore _store;
        private readonly TimeProvider _time;
        private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new ConcurrentDictionary<Guid, SemaphoreSlim>();

        public TransferLeases(ITransferStore store, TimeProvider time, TransferLeaseOptions options)
        {
            _store = store;
            _time = time;
            Options = options;
            Owner = options.Owner ?? DefaultOwner();
        }

        /// <summary>Who this connection is in the journal's lease columns: host, process id and a per-connection suffix.</summary>
        public string Owner { get; }

        public TransferLeaseOptions Options { get; }

        /// <summary>
        /// Takes the transfer for this connection: first the in-process gate, then the journal lease (waiting while
        /// another owner's lease is live, up to <see cref="TransferLeaseOptions.WaitTimeout"/>). The returned lease
        /// holds the record as it was when the lease was taken and renews itself until disposed.
        /// </summary>
        public async Task<TransferLease> AcquireAsync(Guid transferId, string fileName, CancellationToken cancellationToken)
        {
            SemaphoreSlim gate = _gates.GetOrAdd(transferId, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var waited = Stopwatch.StartNew();
                while (true)
                {
                    JournalTransfer? record = _store.TryAcquireLease(transferId, Owner, _time.GetUtcNow(), Options.Duration);
                    if (record != null)
                    {
                        return new TransferLease(this, gate, record);
                    }

                    JournalTransfer? current = _store.GetTransfer(transferId)
                        ?? throw new TransferStateException($"Transfer {transferId} ('{fileName}') is no longer in the journal.");
                    if (waited.Elapsed >= Options.WaitTimeout)
                    {
                        throw new TransferBusyException(
                            transferId,
                            current.LeaseOwner ?? "another process",
                            $"'{fileName}' (transfer {transferId}) is being sent by {current.LeaseOwner ?? "another process"} (lease until {current.LeaseUntil:u}); " +
                            $"waited {Options.WaitTimeout.TotalSeconds:0} s. Run the command again later: the journal shows whether it was delivered.");
                    }

                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                gate.Release();
                throw;
            }
        }

        internal bool Renew(Guid transferId) => _store.RenewLease(transferId, Owner, _time.GetUtcNow(), Options.Duration);

        internal void Release(Guid transferId) => _store.ReleaseLease(transferId, Owner);

        internal DateTimeOffset Now => _time.GetUtcNow();

        private static string DefaultOwner()
        {
            string host;
            try
            {
                host = Environment.MachineName;
            }
            catch (InvalidOperationException)
            {
                host = "host";
            }

            return host + "/" + Process.GetCurrentProcess().Id + "/" + Guid.NewGuid().ToString("N").Substring(0, 8);
        }
    }

    /// <summary>How long a transfer lease lasts and how long to wait for another owner's.</summary>
    public sealed class TransferLeaseOptions
    {
        /// <summary>A lease not renewed for this long is taken over; it is renewed every third of it while the work runs.</summary>
        public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>How long to wait for a transfer another live process is working on before giving up with an error.</summary>
        public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>The owner name written to the journal; host/pid/random when null.</summary>
        public string? Owner { get; set; }
    }

    /// <summary>
    /// A held transfer: the in-process gate and the journal lease, renewed in the background every third of its duration
    /// until disposed. <see cref="IsValid"/> turns false when a renewal finds the lease taken over (this process was
    /// paused for longer than the lease); nothing with side effects may start then.
    /// </summary>
    internal sealed class TransferLease : IDisposable
    {
        private readonly TransferLeases _leases;
        private readonly SemaphoreSlim _gate;
        private readonly Timer _heartbeat;
        private DateTimeOffset _validUntil;
        private int _lost;
        private int _disposed;

        public TransferLease(TransferLeases leases, SemaphoreSlim gate, JournalTransfer record)
        {
            _leases = leases;
            _gate = gate;
            Record = record;
            _validUntil = record.LeaseUntil ?? leases.Now;
            TimeSpan every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, leases.Options.Duration.Ticks / 3));
            _heartbeat = new Timer(_ => Beat(), null, every, every);
        }

        /// <summary>The transfer as the journal held it when the lease was taken.</summary>
        public JournalTransfer Record { get; }

        public Guid TransferId => Record.TransferId;

        public string Owner => _leases.Owner;

        /// <summary>
        /// True while the lease is ours with at least a third of its duration left: the margin that keeps a send
        /// started now from outliving the lease.
        /// </summary>
        public bool IsValid => Volatile.Read(ref _lost) == 0 && Volatile.Read(ref _disposed) == 0
            && ValidUntil - _leases.Now > TimeSpan.FromTicks(_leases.Options.Duration.Ticks / 3);

        private DateTimeOffset ValidUntil
        {
            get
            {
                lock (_heartbeat)
                {
                    return _validUntil;
                }
            }
        }

        /// <summary>Renews now; false when the lease was lost.</summary>
        public bool Renew()
        {
            if (Volatile.Read(ref _lost) != 0)
            {
                return false;
            }

            DateTimeOffset now = _leases.Now;
            bool renewed;
            try
            {
                renewed = _leases.Renew(TransferId);
            }
            catch (TransferJournalException)
            {
                // A busy or unreachable journal: keep the old expiry; IsValid turns false when it draws near.
                return false;
            }

            if (!renewed)
            {
                Interlocked.Exchange(ref _lost, 1);
                return false;
            }

            lock (_heartbeat)
            {
                _validUntil = now + _leases.Options.Duration;
            }

            return true;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _heartbeat.Dispose();
            try
            {
                if (Volatile.Read(ref _lost) == 0)
                {
                    _leases.Release(TransferId);
                }
            }
            catch (TransferJournalException)
            {
                // The lease runs out by itself; another process takes the transfer over then.
            }
            finally
            {
                _gate.Release();
            }
        }

        private void Beat()
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                Renew();
            }
        }
    }
}
