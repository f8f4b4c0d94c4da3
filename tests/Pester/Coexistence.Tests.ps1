# The module next to older releases of every third-party library it uses, as in a session where Az, Graph or a
# logging module was imported first: each case runs in a fresh PowerShell that loads the older libraries into the
# default load context, imports the staged module, and connects, sends and delivers through the emulator with the
# audit log and the transfer journal on. The same after Import-Module -Force, after Remove-Module and a second
# import, and in two runspaces of one process. The older libraries are NuGet packages restored by tools/Tools.proj.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $emulator = Start-TestEmulator

    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $listing = & dotnet nuget locals global-packages --list
        $packages = (@($listing) -join "`n") -replace '(?s)^.*?global-packages:\s*', '' -replace '\s+$', ''
    }
    # Package/version/assembly: what another module would have loaded flat into the default load context.
    $older = @(
        'serilog/2.10.0/Serilog'
        'serilog.sinks.file/4.1.0/Serilog.Sinks.File'
        'polly.core/8.4.2/Polly.Core'
        'fluentvalidation/11.1.0/FluentValidation'
        'microsoft.extensions.http/6.0.0/Microsoft.Extensions.Http'
        'microsoft.extensions.logging/6.0.0/Microsoft.Extensions.Logging'
        'microsoft.extensions.logging.abstractions/6.0.0/Microsoft.Extensions.Logging.Abstractions'
        'microsoft.extensions.dependencyinjection/6.0.0/Microsoft.Extensions.DependencyInjection'
        'microsoft.extensions.dependencyinjection.abstractions/6.0.0/Microsoft.Extensions.DependencyInjection.Abstractions'
        'microsoft.extensions.options/6.0.0/Microsoft.Extensions.Options'
        'microsoft.extensions.primitives/6.0.0/Microsoft.Extensions.Primitives'
        'microsoft.bcl.asyncinterfaces/6.0.0/Microsoft.Bcl.AsyncInterfaces'
        'system.text.json/7.0.0/System.Text.Json'
        'awssdk.core/3.7.402/AWSSDK.Core'
        'microsoft.data.sqlite.core/6.0.7/Microsoft.Data.Sqlite'
    ) | ForEach-Object {
        $package, $version, $assembly = $_ -split '/'
        $path = Join-Path $packages "$package/$version/lib/netstandard2.0/$assembly.dll"
        if (-not (Test-Path -LiteralPath $path)) {
            throw "The older library '$path' is missing; restore it with 'dotnet restore tools/Tools.proj'."
        }
        $path
    }

    # One case in a fresh process: load the older libraries, then run the workflow once per round. Rounds: 'Import'
    # (one import), 'Force' (then Import-Module -Force and again), 'Reimport' (then Remove-Module, import, again),
    # 'Runspaces' (the workflow in two runspaces of the process, one after the other, each importing the module).
    $childScript = Join-Path $TestDrive 'coexistence.ps1'
    Set-Content -LiteralPath $childScript -Value @'
param($ModulePath, $BaseUri, $ClientId, $Secret, $ConversationId, $CommunicationId, $Folder, $Mode, [string] $Older)
$ErrorActionPreference = 'Stop'
# One argument, ';'-separated: 'pwsh -File' binds only the first of several values given to a [string[]] parameter.
$preloaded = foreach ($path in ($Older -split ';')) {
    try { $a = [System.Reflection.Assembly]::LoadFrom($path); [pscustomobject]@{ Name = $a.GetName().Name; Version = "$($a.GetName().Version)"; Error = $null } }
    catch { [pscustomobject]@{ Name = [IO.Path]::GetFileNameWithoutExtension($path); Version = $null; Error = $_.Exception.Message } }
}
$workflow = {
    param($ModulePath, $BaseUri, $ClientId, $Secret, $ConversationId, $CommunicationId, $Folder, $Round, $Import)
    $ErrorActionPreference = 'Stop'
    if ($Import) { Import-Module $ModulePath }
    $file = Join-Path $Folder "round-$Round.txt"
    [IO.File]::WriteAllText($file, "coexistence round $Round " + ('x' * 2000))
    $secure = ConvertTo-SecureString $Secret -AsPlainText -Force
    Connect-GcCloud -BaseUri $BaseUri -ClientId $ClientId -ClientSecret $secure -JournalPath (Join-Path $Folder 'journal.db') -AuditLogPath (Join-Path $Folder 'audit') | Out-Null
    $sent = Send-GcFile -LiteralPath $file -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver
    $read = Get-GcFileTransfer -TransferId $sent.TransferId
    Disconnect-GcCloud
    [pscustomobject]@{ Round = $Round; Sent = "$($sent.Status)"; Journal = "$($read.Status)"; IsEngineType = $sent -is [GenesysFileTransfer.Engine.Transfers.FileTransfer] }
}
$common = @($ModulePath, $BaseUri, $ClientId, $Secret, $ConversationId, $CommunicationId, $Folder)
$rounds = switch ($Mode) {
    'Import' { & $workflow @common 1 $true }
    'Force' { & $workflow @common 1 $true; Import-Module $ModulePath -Force; & $workflow @common 2 $false }
    'Reimport' { & $workflow @common 1 $true; Remove-Module GenesysFileTransfer; Import-Module $ModulePath; & $workflow @common 2 $false }
    'Runspaces' {
        foreach ($round in 1, 2) {
            $ps = [powershell]::Create([runspacefactory]::CreateRunspace())
            $ps.Runspace.Open()
            try { $ps.AddScript($workflow).AddParameters(@{ ModulePath = $ModulePath; BaseUri = $BaseUri; ClientId = $ClientId; Secret = $Secret; ConversationId = $ConversationId; CommunicationId = $CommunicationId; Folder = $Folder; Round = $round; Import = $true }).Invoke() }
            finally { $ps.Runspace.Dispose(); $ps.Dispose() }
        }
    }
}
$moduleBase = Split-Path -Parent (Resolve-Path $ModulePath)
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic -and $_.Location } | ForEach-Object {
    [pscustomobject]@{
        Name = $_.GetName().Name; Version = "$($_.GetName().Version)"; Location = $_.Location
        Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).GetType().Name
    }
}
[pscustomobject]@{
    Preloaded = @($preloaded); Rounds = @($rounds); Loaded = @($loaded); ModuleBase = "$moduleBase"
    AuditRecords = @(Get-ChildItem -LiteralPath (Join-Path $Folder 'audit') -File -Recurse | Get-Content | Where-Object { $_ }).Count
} | ConvertTo-Json -Depth 4 -Compress
'@

    function Invoke-CoexistenceCase([string] $Mode) {
        $folder = Join-Path $TestDrive $Mode
        $null = New-Item -ItemType Directory -Path $folder -Force
        $secret = [System.Net.NetworkCredential]::new('', $emulator.ClientSecret).Password
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $arguments = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
        $arguments += '-NoProfile', '-NonInteractive', '-File', $childScript, $env:GFT_MODULE_PATH, "$($emulator.BaseUri)",
            $emulator.ClientId, $secret, $emulator.ConversationId, $emulator.CommunicationId, $folder, $Mode
        $output = & $executable @arguments -Older ($older -join ';') 2>&1
        $exitCode = $LASTEXITCODE
        $text = @($output | ForEach-Object { "$_" }) -join "`n"
        if ($exitCode -ne 0) { throw "The $Mode case failed (exit code $exitCode): $text" }
        $json = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })[-1]
        $json | ConvertFrom-Json
    }

    function Assert-Isolated($Report, [int] $Rounds) {
        # The precondition: every older library is in the default context at its older version, except those the
        # .NET runtime itself carries (System.Text.Json), where the platform's copy answers whatever was asked.
        @($Report.Preloaded).Count | Should -Be $older.Count -Because 'every older library must have been asked for, not just the first'
        foreach ($library in $Report.Preloaded) {
            $library.Error | Should -BeNullOrEmpty -Because "$($library.Name) should load as another module would"
        }
        foreach ($name in 'Polly.Core', 'FluentValidation', 'Microsoft.Extensions.Http') {
            @($Report.Loaded | Where-Object { $_.Name -eq $name -and $_.Context -eq 'DefaultAssemblyLoadContext' }) |
                Should -HaveCount 1 -Because "another module's older $name sits in the default context"
        }
        $serilogs = @($Report.Loaded | Where-Object Name -eq 'Serilog')
        ($serilogs | Where-Object Context -eq 'DefaultAssemblyLoadContext').Version | Should -BeLike '2.*'
        # The module's copies: in its own context, from its dependencies folder, at the versions it was built with.
        ($serilogs | Where-Object Context -eq 'ModuleLoadContext').Version | Should -BeLike '4.*'
        foreach ($name in 'Polly.Core', 'FluentValidation', 'Microsoft.Extensions.Http', 'Microsoft.Data.Sqlite', 'GenesysFileTransfer.Engine') {
            $ours = @($Report.Loaded | Where-Object { $_.Name -eq $name -and $_.Context -eq 'ModuleLoadContext' })
            $ours | Should -HaveCount 1 -Because "the module's $name should load once, in its own context"
            $ours[0].Location | Should -BeLike (Join-Path $Report.ModuleBase 'dependencies/*')
        }
        @($Report.Loaded | Where-Object { $_.Location -like (Join-Path $Report.ModuleBase 'dependencies/*') -and $_.Context -ne 'ModuleLoadContext' }) |
            Should -BeNullOrEmpty -Because 'nothing from dependencies/ may load into the default context'
        @($Report.Rounds) | Should -HaveCount $Rounds
        foreach ($round in $Report.Rounds) {
            $round.Sent | Should -Be 'Delivered'
            $round.Journal | Should -Be 'Delivered'
            $round.IsEngineType | Should -BeTrue
        }
        $Report.AuditRecords | Should -BeGreaterThan (2 * $Rounds)
    }
}

AfterAll {
    Stop-TestEmulator -Emulator $emulator
}

Describe 'The module after older releases of its libraries were loaded' {
    It 'connects, sends and delivers with the audit log and the journal on' {
        Assert-Isolated (Invoke-CoexistenceCase 'Import') 1
    }

    It 'still works after Import-Module -Force' {
        Assert-Isolated (Invoke-CoexistenceCase 'Force') 2
    }

    It 'still works after Remove-Module and a second import' {
        Assert-Isolated (Invoke-CoexistenceCase 'Reimport') 2
    }

    It 'works in two runspaces of one process' {
        Assert-Isolated (Invoke-CoexistenceCase 'Runspaces') 2
    }
}

Describe 'What the default load context sees of the module' {
    BeforeAll {
        $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    }

    It 'has only the loader and the cmdlet assembly beside the manifest; every other assembly is in dependencies/' {
        @(Get-ChildItem -LiteralPath $module.ModuleBase -Filter '*.dll' -File | ForEach-Object Name | Sort-Object) |
            Should -Be @('GenesysFileTransfer.dll', 'GenesysFileTransfer.Loader.dll')
        Join-Path $module.ModuleBase 'dependencies/GenesysFileTransfer.Engine.dll' | Should -Exist
    }

    It 'has a cmdlet assembly that references no third-party library' {
        # A reference from the cmdlet assembly is bound in the default context, where another module's older copy wins.
        $cmdlets = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'GenesysFileTransfer' }
        @($cmdlets.GetReferencedAssemblies().Name | Sort-Object) |
            Should -Be @('GenesysFileTransfer.Engine', 'netstandard', 'System.Management.Automation')
        @((Get-Command -Module $module.Name).ImplementingType.Assembly | Select-Object -Unique) | Should -Be @($cmdlets)
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets) | Should -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
    }

    It "gives scripts the engine's public types by name, from the module's own context" {
        $type = [GenesysFileTransfer.Engine.Transfers.TransferStatus]
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($type.Assembly).GetType().Name | Should -Be 'ModuleLoadContext'
        'GenesysFileTransfer.Engine.Connection.GenesysConnection' -as [type] | Should -Not -BeNullOrEmpty
        (Get-Command Send-GcFile).OutputType.Type | Should -Be ([GenesysFileTransfer.Engine.Transfers.FileTransfer])
    }
}
