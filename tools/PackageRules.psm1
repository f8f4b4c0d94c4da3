# The rules Azure Automation applies when a module .zip is imported, checked before anyone uploads one:
# the .zip, the folder inside it and the manifest carry the module's name; every path in it is under 140 characters;
# the .zip is under 100 MB. https://learn.microsoft.com/azure/automation/shared-resources/modules

$MaxPathLength = 140
$MaxZipBytes = 100MB

function Test-AzureAutomationPackage {
    <#
    .SYNOPSIS
    Returns one line per broken Azure Automation rule in a module .zip; nothing when the package is fine.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $ModuleName
    )

    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $file = Get-Item -LiteralPath $Path
    if ($file.BaseName -ne $ModuleName) {
        "The .zip is named '$($file.Name)'; Azure Automation needs '$ModuleName.zip'."
    }
    if ($file.Length -ge $MaxZipBytes) {
        "The .zip is $([math]::Round($file.Length / 1MB, 1)) MB; Azure Automation takes less than 100 MB."
    }
    $zip = [System.IO.Compression.ZipFile]::OpenRead($file.FullName)
    try {
        $entries = @($zip.Entries | ForEach-Object { $_.FullName.Replace('\', '/') })
    }
    finally {
        $zip.Dispose()
    }
    $outside = @($entries | Where-Object { -not $_.StartsWith("$ModuleName/", [StringComparison]::Ordinal) })
    if ($outside.Count -gt 0) {
        "Everything in the .zip must sit in one '$ModuleName/' folder; outside it: $(($outside | Select-Object -First 3) -join ', ')."
    }
    if ("$ModuleName/$ModuleName.psd1" -notin $entries) {
        "The .zip has no '$ModuleName/$ModuleName.psd1': the manifest must carry the folder's name."
    }
    foreach ($entry in $entries | Where-Object { $_.Length -ge $MaxPathLength }) {
        "The path '$entry' is $($entry.Length) characters; Azure Automation takes paths under $MaxPathLength."
    }
}

Export-ModuleMember -Function Test-AzureAutomationPackage
