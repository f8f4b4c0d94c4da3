using System;
using System.Collections.Generic;
using System.Globalization;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// What one Send-GcFile call did, for a script to act on (-SummaryVariable) and for the person at the console (the
    /// summary line on the information stream). Every file the call was given is counted exactly once.
    /// </summary>
    public sealed class SendSummary
    {
        private readonly List<SendFailure> _failures = new List<SendFailure>();

        /// <summary>Files (or transfers) the call was given: the sum of the counts below.</summary>
        public int Total => Delivered + Uploaded + AlreadyDone + Failed + Skipped;

        /// <summary>Delivered into the conversation by this call.</summary>
        public int Delivered { get; internal set; }

        /// <summary>Taken as far as asked without -Deliver (uploaded, or validated with -Wait) by this call.</summary>
        public int Uploaded { get; internal set; }

        /// <summary>Already as far as asked before this call (e.g. delivered by an earlier run): nothing was sent.</summary>
        public int AlreadyDone { get; internal set; }

        /// <summary>Refused or failed; each has an error record and an entry in <see cref="Failures"/>.</summary>
        public int Failed { get; internal set; }

        /// <summary>Not attempted: declined at -Confirm, only described by -WhatIf, or stopped early after an error every file of their conversation would get.</summary>
        public int Skipped { get; internal set; }

        /// <summary>Bytes uploaded by this call.</summary>
        public long BytesUploaded { get; internal set; }

        public DateTimeOffset StartedAt { get; internal set; }

        public TimeSpan Elapsed { get; internal set; }

        /// <summary>True when nothing failed: what a scheduled script checks before it exits.</summary>
        public bool Succeeded => Failed == 0;

        /// <summary>One entry per failed file: its name, path, transfer, error id and message.</summary>
        public IReadOnlyList<SendFailure> Failures => _failures;

        internal void AddFailure(SendFailure failure)
        {
            Failed++;
            _failures.Add(failure);
        }

        public override string ToString()
        {
            string time = Elapsed.TotalHours >= 1
                ? Elapsed.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
                : Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
            string uploaded = Uploaded > 0 ? $"{Uploaded} uploaded, " : string.Empty;
            return $"{Total} {(Total == 1 ? "file" : "files")} in {time}: {Delivered} delivered, {uploaded}{AlreadyDone} already done, {Failed} failed, {Skipped} skipped.";
        }
    }

    /// <summary>One file a Send-GcFile call could not send.</summary>
    public sealed class SendFailure
    {
        internal SendFailure(string fileName, string? path, Guid? transferId, string errorId, string message)
        {
            FileName = fileName;
            Path = path;
            TransferId = transferId;
            ErrorId = errorId;
            Message = message;
        }

        public string FileName { get; }
        public string? Path { get; }
        public Guid? TransferId { get; }

        /// <summary>The error record's id (FileValidationFailed, GenesysApiError, ScanTimeout, …).</summary>
        public string ErrorId { get; }
        public string Message { get; }

        public override string ToString() => $"{FileName}: {ErrorId}";
    }
}
