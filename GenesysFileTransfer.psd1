@{
    RootModule           = 'GenesysFileTransfer.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0b7f57-3c2e-4d0e-9a55-1f4c7a0f2b61'
    Author               = 'GenesysFileTransfer contributors'
    CompanyName          = 'GenesysFileTransfer'
    Copyright            = '(c) GenesysFileTransfer contributors. All rights reserved.'
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
        'Receive-GcWebhookEvent'
        'Start-GcWebhookListener'
        'Test-GcAuditLog'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Genesys', 'GenesysCloud', 'FileTransfer', 'Messaging', 'Upload', 'Audit', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
        }
    }
}
