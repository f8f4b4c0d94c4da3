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
                case "":
                    return false;
                default:
                    throw new ArgumentTransformationMetadataException($"'{text}' is not a yes/no value; use true or false.");
            }
        }
    }
}
