# The Azure Blob sink in a session where Az.Accounts and Az.Storage were imported first: a fresh PowerShell loads their
# releases of Azure.Core, Azure.Identity and Azure.Storage.* into the default load context, imports the staged module,
# and archives a delivered file into Azurite. The module must use its own, newer copies, from its own context, and the
# sync must succeed. The older libraries are NuGet packages restored by tools/Tools.proj.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Azurite.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
    $azurite = Start-Azurite
    $client = Get-AzuriteClient -Azurite $azurite
    $null = $client.GetBlobContainerClient('coexistence').Create()

    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $listing = & dotnet nuget locals global-packages --list
        $packages = (@($listing) -join "`n") -replace '(?s)^.*?global-packages:\s*', '' -replace '\s+$', ''
    }
    $older = @(
        'azure.core/1.44.1/Azure.Core'
        'azure.identity/1.12.1/Azure.Identity'
        'azure.storage.common/12.18.1/Azure.Storage.Common'
        'azure.storage.blobs/12.19.1/Azure.Storage.Blobs'
    ) | ForEach-Object {
        $package, $version, $assembly = $_ -split '/'
        $path = Join-Path $packages "$package/$version/lib/netstandard2.0/$assembly.dll"
        if (-not (Test-Path -LiteralPath $path)) { throw "The older library '$path' is missing; restore it with 'dotnet restore tools/Tools.proj'." }
        $path
    }

    # A delivered file waiting in a journal's outbox, for the fresh process to archive.
    $journalPath = Join-Path $TestDrive 'journal.db'
    $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'source/coexistence.pdf') -SizeBytes 8192
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
    try { $transfer = Send-GcFile -LiteralPath $file.FullName -ConversationId $emulator.ConversationId -CommunicationId $emulator.CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver }
    finally { Disconnect-GcCloud }

    $childScript = Join-Path $TestDrive 'azure-coexistence.ps1'
    Set-Content -LiteralPath $childScript -Value @'
param($ModulePath, $ConnectionString, $JournalPath, [string] $Older)
$ErrorActionPreference = 'Stop'
$preloaded = foreach ($path in $Older -split [IO.Path]::PathSeparator) {
    $a = [System.Reflection.Assembly]::LoadFrom($path)
    [pscustomobject]@{ Name = $a.GetName().Name; Version = "$($a.GetName().Version)" }
}
# Used, as Az.Accounts would use them, before the module arrives.
$null = [Azure.Core.HttpHeader]::new('x', 'y')
Import-Module $ModulePath
$secure = ConvertTo-SecureString $ConnectionString -AsPlainText -Force
$archived = @(Sync-GcFileTransferDocument -AzureBlobConnectionString $secure -AzureBlobContainer coexistence -JournalPath $JournalPath)
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic -and $_.GetName().Name -like 'Azure.*' } | ForEach-Object {
    [pscustomobject]@{ Name = $_.GetName().Name; Version = "$($_.GetName().Version)"; Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).GetType().Name; Location = $_.Location }
}
[pscustomobject]@{
    Preloaded = @($preloaded)
    Archived  = @($archived | ForEach-Object { [pscustomobject]@{ DocumentKey = $_.DocumentKey; Location = $_.Location; Sha256 = $_.Sha256 } })
    Loaded    = @($loaded)
    ModuleBase = Split-Path -Parent (Resolve-Path $ModulePath)
} | ConvertTo-Json -Depth 4 -Compress
'@
    $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $arguments = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
    $arguments += '-NoProfile', '-NonInteractive', '-File', $childScript, $env:GFT_MODULE_PATH, $azurite.ConnectionString, $journalPath
    # One argument: an array after -File would bind its first item only.
    $output = & $executable @arguments ($older -join [IO.Path]::PathSeparator) 2>&1
    $exitCode = $LASTEXITCODE
    $text = @($output | ForEach-Object { "$_" }) -join "`n"
    if ($exitCode -ne 0) { throw "The child process failed (exit code $exitCode): $text" }
    $report = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })[-1] | ConvertFrom-Json
}

AfterAll {
    Stop-TestEmulator -Emulator $emulator
    Stop-Azurite -Azurite $azurite -RemoveData
}

Describe 'The Azure Blob sink after Az.Accounts-era Azure libraries were loaded' {
    It 'finds the older libraries in the default context, as another module leaves them' {
        @($report.Preloaded.Name | Sort-Object) | Should -Be @('Azure.Core', 'Azure.Identity', 'Azure.Storage.Blobs', 'Azure.Storage.Common')
        ($report.Preloaded | Where-Object Name -EQ 'Azure.Core').Version | Should -BeLike '1.44.*'
        ($report.Loaded | Where-Object { $_.Name -eq 'Azure.Identity' -and $_.Context -eq 'DefaultAssemblyLoadContext' }).Version | Should -BeLike '1.12.*'
        ($report.Loaded | Where-Object { $_.Name -eq 'Azure.Core' -and $_.Context -eq 'DefaultAssemblyLoadContext' }).Version | Should -BeLike '1.44.*'
        ($report.Loaded | Where-Object { $_.Name -eq 'Azure.Storage.Blobs' -and $_.Context -eq 'DefaultAssemblyLoadContext' }).Version | Should -BeLike '12.19.*'
    }

    It 'uses its own Azure.Core, Azure.Identity and Azure.Storage.Blobs from its dependencies folder' {
        foreach ($name in 'Azure.Core', 'Azure.Storage.Blobs', 'Azure.Storage.Common') {
            $ours = @($report.Loaded | Where-Object { $_.Name -eq $name -and $_.Context -eq 'ModuleLoadContext' })
            $ours | Should -HaveCount 1 -Because "the module's $name should load once, in its own context"
            $ours[0].Location | Should -BeLike (Join-Path $report.ModuleBase 'dependencies/*')
        }
        ($report.Loaded | Where-Object { $_.Name -eq 'Azure.Core' -and $_.Context -eq 'ModuleLoadContext' }).Version | Should -BeLike '1.64.*'
    }

    It 'archives the delivered file into Azurite' {
        $report.Archived | Should -HaveCount 1
        $report.Archived[0].DocumentKey | Should -Be "transfer/$($transfer.TransferId)"
        $report.Archived[0].Location | Should -Be "$($azurite.ServiceUri)/coexistence/transfer/$($transfer.TransferId)/coexistence.pdf"
        $blob = $client.GetBlobContainerClient('coexistence').GetBlobClient("transfer/$($transfer.TransferId)/coexistence.pdf")
        $bytes = $blob.DownloadContent().Value.Content.ToArray()
        [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($bytes)) | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
    }
}
