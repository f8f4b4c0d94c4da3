using System;
using System.Management.Automation;
using System.Reflection;

namespace GenesysFileTransfer.Loader
{
    /// <summary>
    /// PowerShell 7 resolves type names (<c>[GenesysFileTransfer.Engine.Transfers.FileTransfer]</c>, <c>-is</c>, casts,
    /// static calls) only in the default load context. The engine's public types are the module's scripting surface,
    /// so each is registered under its own full name as a type accelerator, the mechanism PowerShell documents for
    /// exporting types from a module (about_Classes). Output, format views and parameter binding need no help: they go
    /// by the objects themselves and by type name.
    /// </summary>
    internal static class EngineTypeNames
    {
        internal static void Register(Assembly engine)
        {
            Type? accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
            MethodInfo? add = accelerators?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null);
            if (add is null)
            {
                // A PowerShell without the accelerator table: the module still works, only type literals do not.
                return;
            }

            foreach (Type type in engine.GetExportedTypes())
            {
                if (type.FullName != null && !type.IsNested)
                {
                    add.Invoke(null, new object[] { type.FullName, type });
                }
            }
        }
    }
}
