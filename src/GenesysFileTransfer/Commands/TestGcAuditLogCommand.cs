using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Verifies chained audit files: each record's SHA-256 and its link to the one before, the order of the sequence
    /// numbers, and the checkpoint beside the file (signed with the audit key when one is given). One result per file:
    /// Intact, Modified, Deleted, Reordered or Truncated, with the first bad record.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "GcAuditLog", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.CmdletHelp + "Test-GcAuditLog.md")]
    [OutputType(typeof(AuditLogVerification))]
    public sealed class TestGcAuditLogCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>Audit files, or folders whose audit-*.jsonl files are checked; the session's audit folder when absent.</summary>
        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>The audit key the checkpoints were signed with; GENESYS_AUDIT_KEY when absent.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? Key { get; set; }

        protected override void ProcessRecord()
        {
            byte[]? key = Key is null ? AuditChain.KeyFromEnvironment() : ClientCredentials.ToUtf8Bytes(Key);
            foreach (string file in Files())
            {
                AuditLogVerification result = AuditLogVerifier.Verify(file, key);
                if (!result.Intact)
                {
                    WriteVerbose($"{file}: {result.Status}: {result.Detail}");
                }

                WriteObject(result);
            }
        }

        private IEnumerable<string> Files()
        {
            IEnumerable<string> inputs;
            bool literal = ParameterSetName == LiteralPathSet;
            if (literal)
            {
                inputs = LiteralPath!.Select(p => GetUnresolvedProviderPathFromPSPath(p));
            }
            else if (Path is null)
            {
                GenesysConnection? connection = SessionConnection.Get(this);
                inputs = new[] { connection?.AuditLogDirectory ?? AuditLog.DefaultDirectory };
            }
            else
            {
                var resolved = new List<string>();
                foreach (string input in Path)
                {
                    try
                    {
                        resolved.AddRange(GetResolvedProviderPathFromPSPath(input, out _));
                    }
                    catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException)
                    {
                        NotFound(input, ex);
                    }
                }

                inputs = resolved;
            }

            foreach (string input in inputs)
            {
                if (Directory.Exists(input))
                {
                    string[] files = Directory.GetFiles(input, "audit-*.jsonl").OrderBy(f => f, StringComparer.Ordinal).ToArray();
                    // A checkpoint whose file is gone is a deleted log: it is checked too.
                    string[] orphans = Directory.GetFiles(input, "audit-*.jsonl.checkpoint")
                        .Select(c => c.Substring(0, c.Length - ".checkpoint".Length))
                        .Where(f => !File.Exists(f)).ToArray();
                    if (files.Length == 0 && orphans.Length == 0)
                    {
                        NotFound(input, new FileNotFoundException($"The folder '{input}' holds no audit files (audit-*.jsonl)."));
                    }

                    foreach (string file in files.Concat(orphans).OrderBy(f => f, StringComparer.Ordinal))
                    {
                        yield return file;
                    }
                }
                else if (File.Exists(input) || File.Exists(AuditChain.CheckpointPath(input)))
                {
                    yield return input;
                }
                else
                {
                    NotFound(input, new FileNotFoundException($"There is no audit file at '{input}'."));
                }
            }
        }

        private void NotFound(string path, Exception ex) =>
            WriteError(new ErrorRecord(ex, ErrorIds.AuditLogNotFound, ErrorCategory.ObjectNotFound, path)
            {
                ErrorDetails = new ErrorDetails($"There is no audit file at '{path}'.") { RecommendedAction = "Give an audit file (audit-yyyyMMdd.jsonl) or the folder that holds them; Get-GcConnection shows the session's audit folder." },
            });
    }
}
