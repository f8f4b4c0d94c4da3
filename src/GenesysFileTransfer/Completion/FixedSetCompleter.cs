using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands.Completion
{
    /// <summary>Tab completion over a fixed list, quoting values that need it (works in 5.1 and 7).</summary>
    public abstract class FixedSetCompleter : IArgumentCompleter
    {
        protected abstract IEnumerable<string> Values { get; }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            return Values
                .Where(v => pattern.IsMatch(v))
                .Select(v => new CompletionResult(v.IndexOfAny(new[] { ' ', '$', '`', '(' }) >= 0 ? "'" + v + "'" : v, v, CompletionResultType.ParameterValue, v))
                .ToArray();
        }
    }

    public sealed class RegionCompleter : FixedSetCompleter
    {
        protected override IEnumerable<string> Values => GenesysRegion.Names;
    }

    public sealed class EncryptionStandardCompleter : FixedSetCompleter
    {
        protected override IEnumerable<string> Values => EncryptionStandards.All;
    }

    public sealed class ContentTypeCompleter : FixedSetCompleter
    {
        protected override IEnumerable<string> Values => FileUploadPolicy.Default.AllowedContentTypes;
    }
}
