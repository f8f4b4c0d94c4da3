# Shared helpers for the Pester tests: the emulator's lifetime, its control API, and small sample files.
#
# tools/Invoke-PesterTests.ps1 sets GFT_MODULE_PATH (the staged GenesysFileTransfer.psd1) and GFT_EMULATOR_PATH (the
# published GenesysFileTransfer.Emulator.dll). When a test file is run by hand after a build, importing this module
# points both at the usual out/ locations, so a test file can always rely on the two variables.

Set-StrictMode -Version Latest

$repositoryRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
if (-not $env:GFT_MODULE_PATH) {
    $env:GFT_MODULE_PATH = Join-Path $repositoryRoot 'out/GenesysFileTransfer/GenesysFileTransfer.psd1'
}
if (-not $env:GFT_EMULATOR_PATH) {
    $env:GFT_EMULATOR_PATH = Join-Path $repositoryRoot 'out/emulator/GenesysFileTransfer.Emulator.dll'
}

# Starting, stopping and steering the emulator is shared with tools/Demo.ps1; Invoke-EmulatorControl is re-exported
# from there as it is.
Import-Module (Join-Path $repositoryRoot 'tools/EmulatorProcess.psm1') -Force
Import-Module (Join-Path $repositoryRoot 'tools/ClamdProcess.psm1') -Force

# The standard 68-byte antivirus test file; anti-malware products detect it by design and nothing else happens.
$script:EicarText = 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

function Start-TestEmulator {
    <#
    .SYNOPSIS
    Starts the emulator at GFT_EMULATOR_PATH on a free port and returns how to reach it.
    .DESCRIPTION
    Returns BaseUri, Process, ClientId, ClientSecret (a SecureString), ConversationId and CommunicationId. The
    emulator watches this PowerShell process, so it goes away even when a test run is killed before
    Stop-TestEmulator runs.
    .EXAMPLE
    $emulator = Start-TestEmulator
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        # Extra command-line arguments for the emulator, after the port, ready file and parent id.
        [string[]] $Arguments = @(),
        [ValidateRange(1, 300)] [int] $TimeoutSeconds = 30
    )

    if (-not (Test-Path -LiteralPath $env:GFT_EMULATOR_PATH -PathType Leaf)) {
        throw "The emulator '$env:GFT_EMULATOR_PATH' does not exist; build it with 'build.ps1 -Task Build' or set GFT_EMULATOR_PATH."
    }
    Start-EmulatorProcess -EmulatorPath $env:GFT_EMULATOR_PATH -Arguments $Arguments -TimeoutSeconds $TimeoutSeconds
}

function Stop-TestEmulator {
    <#
    .SYNOPSIS
    Asks the emulator to shut down, kills it if it does not, and removes its temporary folder.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] [object] $Emulator)

    process { Stop-EmulatorProcess -Emulator $Emulator }
}

function New-TestFile {
    <#
    .SYNOPSIS
    Writes a small file whose first bytes look like the real format, optionally padded to an exact size.
    .DESCRIPTION
    The padding keeps each format plausible: a PDF comment before the trailer, a PNG tEXt chunk before IEND, JPEG
    filler before the end-of-image marker, text lines, zeros after an executable's header. EICAR is padded with
    spaces, which scanners tolerate only up to 128 bytes in all.
    .EXAMPLE
    New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'invoice.pdf') -SizeBytes 48213
    #>
    [CmdletBinding()]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory)] [ValidateSet('Pdf', 'Png', 'Jpeg', 'Text', 'Exe', 'Eicar')] [string] $Kind,
        [Parameter(Mandatory)] [string] $Path,
        [ValidateRange(1, [long]::MaxValue)] [long] $SizeBytes
    )

    $size = if ($PSBoundParameters.ContainsKey('SizeBytes')) { $SizeBytes } else { -1 }
    $bytes = switch ($Kind) {
        'Pdf' { New-PdfBytes $size }
        'Png' { New-PngBytes $size }
        'Jpeg' { New-JpegBytes $size }
        'Text' { New-TextBytes $size }
        'Exe' { New-ExeBytes $size }
        'Eicar' { New-PaddedBytes ([System.Text.Encoding]::ASCII.GetBytes($script:EicarText)) $size ' ' 'EICAR' }
    }
    $fullPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $directory = [System.IO.Path]::GetDirectoryName($fullPath)
    if (-not (Test-Path -LiteralPath $directory)) { $null = New-Item -ItemType Directory -Path $directory -Force }
    [System.IO.File]::WriteAllBytes($fullPath, $bytes)
    # -Force, because Get-Item skips hidden files, and on Linux every dot-file (.hidden.pdf) is one.
    Get-Item -LiteralPath $fullPath -Force
}

function New-PdfBytes([long] $Size) {
    $ascii = [System.Text.Encoding]::ASCII
    $head = "%PDF-1.4`n1 0 obj`n<< /Type /Catalog /Pages 2 0 R >>`nendobj`n2 0 obj`n<< /Type /Pages /Kids [3 0 R] /Count 1 >>`nendobj`n" +
    "3 0 obj`n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>`nendobj`n"
    $tail = "trailer`n<< /Root 1 0 R >>`n%%EOF`n"
    $minimum = $ascii.GetByteCount($head + $tail)
    if ($Size -lt 0) { return , $ascii.GetBytes($head + $tail) }
    Assert-MinimumSize 'Pdf' $Size $minimum
    # A PDF comment runs from % to the end of the line; padding is whole comment lines, the last one shortened.
    $padding = [System.Text.StringBuilder]::new()
    $remaining = $Size - $minimum
    while ($remaining -gt 0) {
        $lineLength = [Math]::Min(80, $remaining)
        if ($lineLength -eq 1) { [void]$padding.Append("`n") }
        else { [void]$padding.Append('%').Append('x', [int]($lineLength - 2)).Append("`n") }
        $remaining -= $lineLength
    }
    , $ascii.GetBytes($head + $padding.ToString() + $tail)
}

function New-PngBytes([long] $Size) {
    # A complete 1x1 RGBA image: signature, IHDR, IDAT, IEND.
    $png = [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')
    if ($Size -lt 0) { return , $png }
    Assert-MinimumSize 'Png' $Size $png.Length
    $extra = $Size - $png.Length
    if ($extra -eq 0) { return , $png }
    $iendLength = 12
    $body = [byte[]]$png[0..($png.Length - $iendLength - 1)]
    $iend = [byte[]]$png[($png.Length - $iendLength)..($png.Length - 1)]
    # A tEXt chunk costs 12 bytes of framing plus 'Comment' and its NUL; smaller gaps go after IEND, which
    # decoders ignore.
    $chunkOverhead = 12 + 8
    if ($extra -lt $chunkOverhead) {
        return Join-Bytes $png ([byte[]]::new($extra))
    }
    $text = [System.Text.Encoding]::ASCII.GetBytes("Comment`0" + [string]::new([char]'x', [int]($extra - $chunkOverhead)))
    Join-Bytes $body (New-PngChunk 'tEXt' $text) $iend
}

function New-PngChunk([string] $Type, [byte[]] $Data) {
    $typeBytes = [System.Text.Encoding]::ASCII.GetBytes($Type)
    $length = [BitConverter]::GetBytes([uint32]$Data.Length)
    $crc = [BitConverter]::GetBytes((Get-Crc32 (Join-Bytes $typeBytes $Data)))
    if ([BitConverter]::IsLittleEndian) { [array]::Reverse($length); [array]::Reverse($crc) }
    Join-Bytes $length $typeBytes $Data $crc
}

function Get-Crc32([byte[]] $Bytes) {
    # A byte loop in PowerShell takes tens of seconds over a padded multi-megabyte file; compiled it takes
    # milliseconds. .NET has no CRC-32 of its own before System.IO.Hashing, which is not part of PowerShell.
    if (-not ('GftTestHelpers.Crc32' -as [type])) {
        Add-Type -TypeDefinition @'
namespace GftTestHelpers {
    public static class Crc32 {
        public static uint Compute(byte[] data) {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++) {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc ^ 0xFFFFFFFFu;
        }
    }
}
'@
    }
    [GftTestHelpers.Crc32]::Compute($Bytes)
}

function New-JpegBytes([long] $Size) {
    # SOI, then the APP0 JFIF segment (version 1.1, no thumbnail), filler, EOI: enough for any magic-byte check.
    $head = [byte[]](0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00)
    $tail = [byte[]](0xFF, 0xD9)
    $minimum = $head.Length + $tail.Length
    if ($Size -lt 0) { $Size = $minimum + 64 }
    Assert-MinimumSize 'Jpeg' $Size $minimum
    Join-Bytes $head ([byte[]]::new($Size - $minimum)) $tail
}

function New-TextBytes([long] $Size) {
    $text = "Hello from the GenesysFileTransfer tests.`n"
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    if ($Size -lt 0) { return , $utf8.GetBytes($text) }
    $builder = [System.Text.StringBuilder]::new()
    $line = 'The quick brown fox jumps over the lazy dog. 0123456789'
    while ($builder.Length -lt $Size) { [void]$builder.Append($line).Append("`n") }
    , $utf8.GetBytes($builder.ToString(0, [int]$Size))
}

function New-ExeBytes([long] $Size) {
    # An MZ header whose e_lfanew (offset 0x3C) points at a PE signature right after the 64-byte DOS header.
    $header = [byte[]]::new(64)
    $header[0] = [byte][char]'M'
    $header[1] = [byte][char]'Z'
    $header[0x3C] = 0x40
    $pe = [byte[]](0x50, 0x45, 0x00, 0x00)
    $bytes = Join-Bytes $header $pe
    New-PaddedBytes $bytes $(if ($Size -lt 0) { 512 } else { $Size }) ([char]0) 'Exe'
}

function New-PaddedBytes([byte[]] $Bytes, [long] $Size, [char] $Filler, [string] $Kind) {
    if ($Size -lt 0) { return , $Bytes }
    Assert-MinimumSize $Kind $Size $Bytes.Length
    $padding = [System.Text.Encoding]::ASCII.GetBytes([string]::new([char]$Filler, [int]($Size - $Bytes.Length)))
    Join-Bytes $Bytes $padding
}

function Join-Bytes {
    # '+' on byte arrays builds an object[] one element at a time, far too slow for files of several megabytes.
    $stream = [System.IO.MemoryStream]::new()
    foreach ($part in $args) { $stream.Write([byte[]]$part, 0, $part.Length) }
    , $stream.ToArray()
}

function Assert-MinimumSize([string] $Kind, [long] $Size, [long] $Minimum) {
    if ($Size -lt $Minimum) { throw "A $Kind test file needs at least $Minimum bytes; $Size were asked for." }
}


function Start-TestClamd { Start-ClamdProcess }

function Stop-TestClamd($Clamd) { Stop-ClamdProcess $Clamd }

Export-ModuleMember -Function Start-TestEmulator, Stop-TestEmulator, Invoke-EmulatorControl, New-TestFile, Start-TestClamd, Stop-TestClamd
