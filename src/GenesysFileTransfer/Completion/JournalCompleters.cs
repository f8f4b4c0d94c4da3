using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands.Completion
{
    /// <summary>
    /// Completes from the session's journal (Connect-GcCloud's connection): the most recent transfers first, each with
    /// its file name and status as the tooltip. Without a connection there is nothing to offer, and nothing is thrown:
    /// a completer never breaks the command line.
    /// </summary>
    public abstract class JournalCompleter : IArgumentCompleter
    {
        /// <summary>How many recent transfers are looked at; completion has to be instant.</summary>
        private const int Recent = 200;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            IReadOnlyList<FileTransfer> transfers;
            try
            {
                GenesysConnection? connection = SessionConnection.ForCompletion();
                if (connection is null)
                {
                    return Array.Empty<CompletionResult>();
                }

                transfers = connection.Lookup.Query(new TransferQuery { Limit = Recent });
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }

            string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            return Candidates(transfers.OrderByDescending(t => t.CreatedAt))
                .Where(c => pattern.IsMatch(c.Value))
                .GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.First())
                .Select(c => new CompletionResult(c.Value, c.Value, CompletionResultType.ParameterValue, c.Tooltip))
                .ToArray();
        }

        internal abstract IEnumerable<(string Value, string Tooltip)> Candidates(IEnumerable<FileTransfer> recentFirst);
    }

    /// <summary>Transfer ids from the journal, with "file — status — created" as the tooltip.</summary>
    public sealed class TransferIdCompleter : JournalCompleter
    {
        internal override IEnumerable<(string Value, string Tooltip)> Candidates(IEnumerable<FileTransfer> recentFirst) =>
            recentFirst.Select(t => (t.TransferId.ToString(), $"{t.FileName} — {t.Status} — {HostInformation.Time(t.CreatedAt)}"));
    }

    /// <summary>Conversation ids the journal has sent files into, with the latest file as the tooltip.</summary>
    public sealed class ConversationIdCompleter : JournalCompleter
    {
        internal override IEnumerable<(string Value, string Tooltip)> Candidates(IEnumerable<FileTransfer> recentFirst) =>
            recentFirst.Select(t => (t.ConversationId, $"conversation of {t.FileName} ({HostInformation.Time(t.CreatedAt)})"));
    }
}
