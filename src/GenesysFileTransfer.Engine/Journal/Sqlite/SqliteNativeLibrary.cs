using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// Makes SQLitePCLRaw use the native e_sqlite3 build that ships in the module's own folder
    /// (<c>runtimes/&lt;rid&gt;/native/</c>). A PowerShell module has no deps.json for the host to read, so without this
    /// the runtime looks for the library beside pwsh and fails. The library is loaded once per process by full path;
    /// on .NET (PowerShell 7) a DllImport resolver hands that handle to SQLitePCLRaw's provider, and on .NET Framework
    /// (Windows PowerShell 5.1) Windows itself reuses a DLL of the same module name that is already loaded.
    /// </summary>
    internal static class SqliteNativeLibrary
    {
        private const string LibraryName = "e_sqlite3";

        // Process-wide by nature: a native library is loaded into the process, not into a session.
        private static readonly Lazy<string?> Loaded = new Lazy<string?>(Load, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>The runtime identifier of this process's platform, as NuGet names its native folders (linux-x64, win-arm64, osx-arm64, linux-musl-x64).</summary>
        public static string RuntimeIdentifier { get; } = DetectRuntimeIdentifier();

        /// <summary>The file name of the native library on this platform.</summary>
        public static string FileName { get; } =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? LibraryName + ".dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "lib" + LibraryName + ".dylib"
            : "lib" + LibraryName + ".so";

        /// <summary>
        /// The full path the native library was loaded from, or null when it was not beside the engine and the
        /// host's own probing found it (an application with a deps.json, such as the test runner).
        /// </summary>
        public static string? LoadedFrom => Loaded.Value;

        /// <summary>Loads the library and initializes SQLitePCLRaw; throws <see cref="TransferJournalException"/> when that is impossible.</summary>
        public static void EnsureLoaded() => _ = Loaded.Value;

        /// <summary>Where the library for this platform is expected, relative to the engine assembly's folder.</summary>
        public static string? ExpectedPath
        {
            get
            {
                string location = typeof(SqliteNativeLibrary).Assembly.Location;
                if (string.IsNullOrEmpty(location))
                {
                    return null;
                }

                return Path.Combine(Path.GetDirectoryName(location)!, "runtimes", RuntimeIdentifier, "native", FileName);
            }
        }

        private static string? Load()
        {
            string? path = ExpectedPath;
            bool shipped = path != null && File.Exists(path);
            try
            {
                if (shipped)
                {
                    LoadByFullPath(path!);
                }

                SQLitePCL.Batteries_V2.Init();
            }
            catch (Exception ex) when (!(ex is TransferJournalException))
            {
                Exception cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
                string where = shipped ? $"from '{path}'" : $"for {RuntimeIdentifier}: the module has no runtimes/{RuntimeIdentifier}/native/{FileName}";
                throw new TransferJournalException(
                    path ?? LibraryName,
                    $"The native SQLite library could not be loaded {where} ({cause.GetType().Name}: {cause.Message}). Connect with -NoJournal to work without the transfer journal.",
                    cause);
            }

            return shipped ? path : null;
        }

        private static void LoadByFullPath(string path)
        {
            Type? nativeLibrary = typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", throwOnError: false);
            if (nativeLibrary is null)
            {
                // .NET Framework, hence Windows: once loaded, the DLL satisfies SQLitePCLRaw's DllImport("e_sqlite3")
                // by module name, whatever folder it came from.
                if (LoadLibraryW(path) == IntPtr.Zero)
                {
                    throw new DllNotFoundException($"LoadLibrary failed with Windows error {Marshal.GetLastWin32Error()}.");
                }

                return;
            }

            // netstandard2.0 does not expose NativeLibrary, so it is reached by reflection on the runtime that has it.
            MethodInfo load = nativeLibrary.GetMethod("Load", new[] { typeof(string) })!;
            var handle = (IntPtr)load.Invoke(null, new object[] { path })!;
            MethodInfo setResolver = nativeLibrary.GetMethod("SetDllImportResolver")!;
            Type resolverType = setResolver.GetParameters()[1].ParameterType;
            var resolver = new Resolver(handle);
            Delegate callback = Delegate.CreateDelegate(resolverType, resolver, typeof(Resolver).GetMethod(nameof(Resolver.Resolve))!);
            try
            {
                setResolver.Invoke(null, new object[] { typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, callback });
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // Another component of this process already resolves the provider's imports; it loaded a library.
            }
        }

        private static string DetectRuntimeIdentifier()
        {
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx"
                : IsMusl() ? "linux-musl"
                : "linux";
            // The runtime's own enum names (X64, Arm64, S390x, Ppc64le, ...) are NuGet's architecture names in lower case.
            return os + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        }

        /// <summary>Alpine and other musl distributions cannot load the glibc build.</summary>
        private static bool IsMusl()
        {
            try
            {
                return File.Exists("/etc/alpine-release") || (Directory.Exists("/lib") && Directory.GetFiles("/lib", "ld-musl-*").Length > 0);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);

        private sealed class Resolver
        {
            private readonly IntPtr _handle;

            public Resolver(IntPtr handle)
            {
                _handle = handle;
            }

            public IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
                string.Equals(libraryName, LibraryName, StringComparison.Ordinal) ? _handle : IntPtr.Zero;
        }
    }
}
