using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace GenesysFileTransfer.Loader
{
    /// <summary>
    /// Serves the engine and every third-party library from the module's <c>dependencies/</c> folder, once per process.
    /// PowerShell 7 gets a private AssemblyLoadContext (<see cref="ModuleLoadContext"/>); Windows PowerShell 5.1, which
    /// has none, gets a resolver that answers only the module's own requests (<see cref="DesktopResolver"/>).
    /// Nothing here names a package: whatever the build stages in <c>dependencies/</c> is served.
    /// </summary>
    public static class DependencyLoader
    {
        /// <summary>The folder, beside the loader, that holds the engine and its libraries.</summary>
        public const string FolderName = "dependencies";

        private static readonly object Gate = new object();
        private static bool _initialized;

        /// <summary>The full path of the dependency folder.</summary>
        public static string DependencyDirectory { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(DependencyLoader).Assembly.Location)!, FolderName);

        /// <summary>True on PowerShell 7 (.NET), where the runtime has assembly load contexts.</summary>
        public static bool HasLoadContexts { get; } =
            typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false) != null;

        public static void Initialize()
        {
            lock (Gate)
            {
                if (_initialized)
                {
                    return;
                }

                if (!Directory.Exists(DependencyDirectory))
                {
                    throw new DirectoryNotFoundException(
                        $"The module's dependency folder '{DependencyDirectory}' is missing; reinstall the module.");
                }

                if (HasLoadContexts)
                {
                    InitializeCore();
                }
                else
                {
                    InitializeDesktop();
                }

                _initialized = true;
            }
        }

        // Separate methods so that each runtime only ever compiles the code meant for it: .NET Framework must never
        // see a type derived from AssemblyLoadContext.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void InitializeCore() => ModuleLoadContext.Install(DependencyDirectory);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void InitializeDesktop() => DesktopResolver.Install(DependencyDirectory);
    }
}
