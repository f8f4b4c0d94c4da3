using System;
using System.IO;
using System.Reflection;

namespace GenesysFileTransfer.Loader
{
    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework) has no load contexts. Strong-named assemblies of different versions can
    /// live side by side there, so it is enough to answer the requests the runtime cannot: those made by the module's
    /// own assemblies (the cmdlet assembly, the engine, anything loaded from <c>dependencies/</c>), by simple name and
    /// whatever the version asked for, as a binding redirect would. Requests from anyone else are left alone.
    /// </summary>
    internal static class DesktopResolver
    {
        private static string _moduleDirectory = string.Empty;
        private static string _directory = string.Empty;

        internal static void Install(string directory)
        {
            _directory = directory;
            _moduleDirectory = Path.GetDirectoryName(directory)!;
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            if (!IsOwn(args.RequestingAssembly))
            {
                return null;
            }

            string? name = new AssemblyName(args.Name).Name;
            string path = Path.Combine(_directory, name + ".dll");
            // LoadFrom (never LoadFile): the same path always yields the same assembly, and its own references are
            // probed beside it first.
            return name != null && File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        private static bool IsOwn(Assembly? requesting)
        {
            if (requesting is null || requesting.IsDynamic)
            {
                return false;
            }

            string location = requesting.Location;
            return location.Length > 0 && location.StartsWith(_moduleDirectory + Path.DirectorySeparatorChar, StringComparison.OrdinalIgnoreCase);
        }
    }
}
