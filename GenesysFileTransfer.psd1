@{
    RootModule           = 'GenesysFileTransfer.dll'
    # Imported before the RootModule: it serves the engine and its libraries from dependencies/ (a private load
    # context on PowerShell 7), which the cmdlet assembly needs as soon as PowerShell inspects its cmdlets.
    NestedModules        = @('GenesysFileTransfer.Loader.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0b7f57-3c2e-4d0e-9a55-1f4c7a0f2b61'
    Author               = 'GenesysFileTransfer contributors'
    CompanyName          = 'GenesysFileTransfer'
    Copyright            = '(c) GenesysFileTransfer contributors. MIT License.'
    Description          = 'Validate, upload and deliver files into Genesys Cloud messaging conversations with retries, presigned-URL renewal, scan waiting and a structured audit log.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('GenesysFileTransfer.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-GcCloud'
        'Disconnect-GcCloud'
        'Get-GcConnection'
        'Get-GcFileUploadPolicy'
        'Test-GcFileTransferPayload'
        'New-GcFileTransfer'
        'Send-GcFile'
        'Update-GcFileTransfer'
        'Wait-GcFileTransferScan'
        'Send-GcFileTransferMessage'
        'Sync-GcFileTransferDocument'
        'Get-GcFileTransferDocument'
        'Reset-GcFileTransferDocument'
        'Skip-GcFileTransferDocument'
        'Get-GcFileTransfer'
        'Get-GcAuditRecord'
        'Receive-GcWebhookEvent'
        'Start-GcWebhookListener'
        'Test-GcAuditLog'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Genesys', 'GenesysCloud', 'FileTransfer', 'Messaging', 'Upload', 'Audit', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # A placeholder until the project has a public home; each cmdlet's HelpUri (HelpLinks.cs) uses the same
            # address, and tests/Pester/Module.Tests.ps1 keeps them in step.
            ProjectUri   = 'https://github.com/GenesysFileTransfer/GenesysFileTransfer'
            LicenseUri   = 'https://github.com/GenesysFileTransfer/GenesysFileTransfer/blob/main/LICENSE'
            ReleaseNotes = 'The engine and its libraries now load in a private load context (PowerShell 7) or through a resolver scoped to the module (Windows PowerShell 5.1), so the module works in sessions where Az, Graph or logging modules loaded older Serilog, Polly or Microsoft.Extensions.* first. Every cmdlet has online help (Get-Help -Online).'
        }
    }
}
