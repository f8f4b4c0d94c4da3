using System.Management.Automation;

namespace GenesysFileTransfer.Loader
{
    /// <summary>
    /// Runs when PowerShell imports the loader, which the manifest lists in NestedModules so that it is imported before
    /// the cmdlet assembly (the RootModule). Importing again (-Force, a second runspace, after Remove-Module) finds the
    /// loader already in place.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport() => DependencyLoader.Initialize();

        /// <summary>
        /// Nothing is undone: assemblies cannot leave the process, the cmdlet assembly stays loaded and bound to the
        /// engine, another runspace may still use the module, and a later import must find the same engine. The
        /// resolvers answer only the module's own requests, so leaving them in place affects no other module.
        /// </summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
        }
    }
}
