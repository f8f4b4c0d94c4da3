using System;
using System.Management.Automation;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Lets a true/false column from Import-Csv bind to a Boolean or switch parameter. PowerShell refuses strings
    /// for those types, which would make a CSV-driven batch silently fall back to the defaults.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class FlexibleBooleanAttribute : ArgumentTransformationAttribute
    {
        /// <summary>What an empty cell means: the parameter's default (false unless set, e.g. true for a flag that is on by default).</summary>
        public bool BlankMeans { get; set; }

        /// <summary>An empty cell means "not given" (null), for a bool? parameter whose absence has its own meaning.</summary>
        public bool BlankIsUnset { get; set; }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (!(value is string text))
            {
                return inputData;
            }

            switch (text.Trim().ToLowerInvariant())
            {
                case "true":
                case "yes":
                case "y":
                case "1":
                case "on":
                    return true;
                case "false":
                case "no":
                case "n":
                case "0":
                case "off":
                    return false;
                case "":
                    return BlankIsUnset ? null! : (object)BlankMeans;
                default:
                    throw new ArgumentTransformationMetadataException($"'{text}' is not a yes/no value; use true or false.");
            }
        }
    }

    /// <summary>
    /// An empty CSV cell (or a blank string) binds as "not given" instead of failing or becoming 0: Import-Csv gives
    /// every column of every row, so a manifest that leaves an optional column empty must get the default.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class BlankAsNullAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return value is string text && string.IsNullOrWhiteSpace(text) ? null! : inputData;
        }
    }
}
