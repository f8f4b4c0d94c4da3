using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace GenesysFileTransfer.Loader
{
    /// <summary>
    /// PowerShell 7: the private load context that holds the engine and every third-party library it uses, so that
    /// an older Serilog, Polly or Microsoft.Extensions.* another module loaded into the default context is never bound
    /// to the engine, and ours never to that module. One per process, shared by every runspace and every import.
    /// </summary>
    /// <remarks>
    /// Binding order: an assembly staged in <c>dependencies/</c> is loaded here, unless the .NET shared framework the
    /// host runs on carries the same assembly at the same or a newer version (System.Text.Json, System.Memory and the
    /// other polyfills on .NET 8+); then the framework's copy is shared, as it is with every other framework assembly.
    /// The default context learns of exactly one thing: the cmdlet assembly's references to the module's own
    /// assemblies (GenesysFileTransfer.*), which are answered with this context's copies.
    /// </remarks>
    public sealed class ModuleLoadContext : AssemblyLoadContext
    {
        private const string OwnAssemblyPrefix = "GenesysFileTransfer.";

        private readonly string _directory;
        private readonly string _frameworkDirectory;
        private readonly ConcurrentDictionary<string, bool> _frameworkProvides =
            new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

        private ModuleLoadContext(string directory)
        {
            _directory = directory;
            _frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        }

        /// <summary>The process's instance, or null before the module was first imported (or on Windows PowerShell).</summary>
        public static ModuleLoadContext? Instance { get; private set; }

        internal static void Install(string directory)
        {
            var context = new ModuleLoadContext(directory);
            Instance = context;
            Default.Resolving += context.ResolveOwnAssembly;
            EngineTypeNames.Register(context.LoadFromAssemblyName(new AssemblyName("GenesysFileTransfer.Engine")));
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string? name = assemblyName.Name;
            if (name is null)
            {
                return null;
            }

            string path = Path.Combine(_directory, name + ".dll");
            if (!File.Exists(path) || _frameworkProvides.GetOrAdd(name, _ => FrameworkHasAtLeast(name, path)))
            {
                // Not ours, or the platform's: the default context serves it, as it does for the framework itself.
                return null;
            }

            return LoadFromAssemblyPath(path);
        }

        private bool FrameworkHasAtLeast(string name, string ourPath)
        {
            string frameworkPath = Path.Combine(_frameworkDirectory, name + ".dll");
            if (!File.Exists(frameworkPath))
            {
                return false;
            }

            try
            {
                return AssemblyName.GetAssemblyName(frameworkPath).Version >= AssemblyName.GetAssemblyName(ourPath).Version;
            }
            catch (Exception ex) when (ex is BadImageFormatException || ex is IOException)
            {
                return false;
            }
        }

        private Assembly? ResolveOwnAssembly(AssemblyLoadContext context, AssemblyName assemblyName)
        {
            string? name = assemblyName.Name;
            if (name is null || !name.StartsWith(OwnAssemblyPrefix, StringComparison.Ordinal) ||
                !File.Exists(Path.Combine(_directory, name + ".dll")))
            {
                return null;
            }

            return LoadFromAssemblyName(assemblyName);
        }
    }
}
