using System;
using System.Linq;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Every move a transfer can make, each with the guard that protects it. A transition takes the transfer as the
    /// journal holds it and returns the next state and the history entry that explains it; the store applies both in
    /// one compare-and-set, so the guard and the write see the same state.
    /// </summary>
    internal static class TransferTransitions
    {
        /// <summary>A (new or replacement) media upload was opened: from Pending, Created (renewal) or Failed.</summary>
        public static Step MediaOpened(JournalTransfer current, string mediaId, string historyEvent, string? detail, DateTimeOffset now)
        {
            Require(current, "open a media upload for", TransferStatus.Pending, TransferStatus.Created, TransferStatus.Failed);
            JournalTransfer next = Copy(current, now);
            if (current.MediaId != null && !string.Equals(current.MediaId, mediaId, StringComparison.Ordinal))
            {
                next.PreviousMediaIds = current.PreviousMediaIds.Concat(new[] { current.MediaId }).ToArray();
            }

            next.MediaId = mediaId;
            next.Status = nameof(TransferStatus.Created);
            next.FailureReason = null;
            return new Step(next, new TransferHistoryEntry(now, historyEvent, mediaId, detail));
        }

        public static Step Uploaded(JournalTransfer current, DateTimeOffset now)
        {
            Require(current, "record the upload of", TransferStatus.Created);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.Uploaded);
            return new Step(next, new TransferHistoryEntry(now, "uploaded", current.MediaId, current.Length + " bytes"));
        }

        public static Step Scanned(JournalTransfer current, bool valid, string? reason, DateTimeOffset now)
        {
            Require(current, "record Genesys' validation of", TransferStatus.Uploaded);
            JournalTransfer next = Copy(current, now);
            next.Status = valid ? nameof(TransferStatus.Valid) : nameof(TransferStatus.Invalid);
            next.FailureReason = valid ? null : reason;
            return new Step(next, new TransferHistoryEntry(now, valid ? "valid" : "invalid", current.MediaId, reason));
        }

        /// <summary>
        /// The module's own malware scan before the first media upload: clean keeps the state and adds the verdict to the
        /// history; infected makes the transfer Invalid, so it is never sent.
        /// </summary>
        public static Step MalwareScanned(JournalTransfer current, Scanning.ScanVerdict verdict, DateTimeOffset now)
        {
            Require(current, "record a malware scan of", TransferStatus.Pending, TransferStatus.Failed, TransferStatus.Created);
            JournalTransfer next = Copy(current, now);
            if (verdict.Infected)
            {
                next.Status = nameof(TransferStatus.Invalid);
                next.FailureReason = InfectedReasonPrefix + verdict.Signature + " (" + verdict.Scanner + ")";
                return new Step(next, new TransferHistoryEntry(now, "malware-found", null, verdict.Signature + " found by " + verdict.Scanner));
            }

            return new Step(next, new TransferHistoryEntry(now, "malware-scan-clean", null, verdict.Bytes + " bytes scanned clean by " + verdict.Scanner));
        }

        /// <summary>How the failure reason of a transfer refused by the malware scan starts.</summary>
        public const string InfectedReasonPrefix = "FileInfected: ";

        /// <summary>The upload cannot complete, or Genesys lost the media: a new media upload starts it again.</summary>
        public static Step Failed(JournalTransfer current, string historyEvent, string reason, DateTimeOffset now)
        {
            Require(current, "record a failure of", TransferStatus.Created, TransferStatus.Uploaded, TransferStatus.Valid, TransferStatus.Failed, TransferStatus.Delivering, TransferStatus.DeliveryUnknown);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.Failed);
            next.FailureReason = reason;
            return new Step(next, new TransferHistoryEntry(now, historyEvent, current.MediaId, reason));
        }

        /// <summary>Intent before side effect: recorded before the send request leaves.</summary>
        public static Step Delivering(JournalTransfer current, string owner, DateTimeOffset now)
        {
            Require(current, "send", TransferStatus.Valid);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.Delivering);
            return new Step(next, new TransferHistoryEntry(now, "delivering", current.MediaId, "sending by " + owner));
        }

        public static Step Delivered(JournalTransfer current, string? messageId, string historyEvent, string? detail, DateTimeOffset now)
        {
            Require(current, "record the delivery of", TransferStatus.Delivering, TransferStatus.DeliveryUnknown);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.Delivered);
            next.MessageId = messageId;
            next.FailureReason = null;
            return new Step(next, new TransferHistoryEntry(now, historyEvent, current.MediaId, detail ?? (messageId is null ? null : "message " + messageId)));
        }

        /// <summary>The send request left and no answer came: nobody may send again before asking Genesys.</summary>
        public static Step OutcomeUnknown(JournalTransfer current, string reason, DateTimeOffset now)
        {
            Require(current, "record the lost answer of", TransferStatus.Delivering, TransferStatus.DeliveryUnknown);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.DeliveryUnknown);
            next.FailureReason = reason;
            return new Step(next, new TransferHistoryEntry(now, "delivery-unknown", current.MediaId, reason));
        }

        /// <summary>
        /// Back to Valid: Genesys refused the send (it provably did not act), or the conversation was read and holds no
        /// message with this media.
        /// </summary>
        public static Step NotDelivered(JournalTransfer current, string historyEvent, string reason, DateTimeOffset now)
        {
            Require(current, "record that Genesys does not hold", TransferStatus.Delivering, TransferStatus.DeliveryUnknown);
            JournalTransfer next = Copy(current, now);
            next.Status = nameof(TransferStatus.Valid);
            next.FailureReason = historyEvent == "reconciled-not-delivered" ? null : reason;
            return new Step(next, new TransferHistoryEntry(now, historyEvent, current.MediaId, reason));
        }

        public static TransferStatus StatusOf(JournalTransfer record, string location)
        {
            if (!Enum.TryParse(record.Status, ignoreCase: false, out TransferStatus status) || !Enum.IsDefined(typeof(TransferStatus), status))
            {
                throw new TransferJournalException(location, $"Transfer {record.TransferId} in the journal '{location}' has the status '{record.Status}', which this version of the module does not know.");
            }

            return status;
        }

        private static void Require(JournalTransfer current, string action, params TransferStatus[] allowed)
        {
            TransferStatus status = Enum.TryParse(current.Status, out TransferStatus parsed) ? parsed : (TransferStatus)(-1);
            if (Array.IndexOf(allowed, status) < 0)
            {
                throw new TransferStateException($"'{current.FileName}' is {current.Status}; the module cannot {action} a transfer in that state (transfer {current.TransferId}).");
            }
        }

        private static JournalTransfer Copy(JournalTransfer t, DateTimeOffset now)
        {
            JournalTransfer next = t.Clone();
            next.UpdatedAt = now;
            return next;
        }

        /// <summary>A transition's result: the next state and why.</summary>
        internal readonly struct Step
        {
            public Step(JournalTransfer next, TransferHistoryEntry entry)
            {
                Next = next;
                Entry = entry;
            }

            public JournalTransfer Next { get; }
            public TransferHistoryEntry Entry { get; }
        }
    }
}
