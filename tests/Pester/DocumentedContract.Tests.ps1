# Keeps the promise→test mapping true: every error id the documentation names (docs/usage.md "Error ids" and the
# other error tables, and each cmdlet help's NOTES) and every validation code (docs/usage.md "Validation error codes")
# appears as a quoted literal in some test file; and no test asserts an upper bound on elapsed time (speed belongs in
# build.ps1 -Task Bench). The ids are read from the documents here, so this file names none of them itself.

BeforeDiscovery {
    $root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
    $usage = Get-Content -LiteralPath (Join-Path $root 'docs/usage.md')
    $ids = [System.Collections.Generic.SortedSet[string]]::new()
    $codes = [System.Collections.Generic.SortedSet[string]]::new()
    $errorTable = $false; $codeTable = $false
    foreach ($line in $usage) {
        if ($line -match '^\| Error id \|') { $errorTable = $true; continue }
        if ($line -match '^\| Field \| Error code \|') { $codeTable = $true; continue }
        if ($line -notmatch '^\|') { $errorTable = $false; $codeTable = $false; continue }
        $cells = $line.Split('|')
        if ($errorTable) { foreach ($m in [regex]::Matches($cells[1], '`([A-Z][A-Za-z]+)`')) { [void]$ids.Add($m.Groups[1].Value) } }
        if ($codeTable) { foreach ($m in [regex]::Matches($cells[2], '`([A-Z][A-Za-z]+)`')) { [void]$codes.Add($m.Groups[1].Value) } }
    }
    # Prose lists: "Terminating: `A` (…), `B` …" and "Errors: `A` (…)".
    foreach ($line in $usage | Where-Object { $_ -match '^(Terminating|Errors): ' }) {
        foreach ($m in [regex]::Matches($line, '(?:: |, |; )`([A-Z][A-Za-z]+)`')) { [void]$ids.Add($m.Groups[1].Value) }
    }
    foreach ($help in Get-ChildItem -LiteralPath (Join-Path $root 'en-US') -Filter '*.md') {
        foreach ($line in Get-Content -LiteralPath $help.FullName | Where-Object { $_ -match '^Errors \(FullyQualifiedErrorId' }) {
            foreach ($m in [regex]::Matches($line, '(?:\): |; )`([A-Z][A-Za-z]+)`')) { [void]$ids.Add($m.Groups[1].Value) }
        }
    }

    # Every documented id, none excepted: an id no test can raise has no place in the documents.
    $idCases = @($ids | ForEach-Object { @{ Id = $_ } })
    $codeCases = @($codes | ForEach-Object { @{ Code = $_ } })
}

BeforeAll {
    $root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
    $self = $PSCommandPath
    $testFiles = @(Get-ChildItem -LiteralPath (Join-Path $root 'tests') -Recurse -File -Include '*.ps1', '*.psm1', '*.cs' |
            Where-Object { $_.FullName -notmatch '[\\/](bin|obj|node_modules)[\\/]' -and $_.FullName -ne $self })
    $allTests = ($testFiles | ForEach-Object { Get-Content -LiteralPath $_.FullName -Raw }) -join "`n"
}

Describe 'Every documented error id is matched by a test' {
    It 'the documents name error ids at all' -TestCases @(@{ Count = $idCases.Count }) { param($Count) $Count | Should -BeGreaterThan 30 }

    It '<Id> appears as a literal in a test' -TestCases $idCases {
        param($Id)
        $allTests | Should -Match "['""``]$Id\b" -Because "docs/usage.md or a cmdlet's help documents $Id"
    }
}

Describe 'Every documented validation code is matched by a test' {
    It 'the table has the 23 documented codes' -TestCases @(@{ Count = $codeCases.Count }) { param($Count) $Count | Should -Be 23 }

    It '<Code> appears as a literal in a test' -TestCases $codeCases {
        param($Code)
        $allTests | Should -Match "['""]$Code['""]"
    }
}

Describe 'No test asserts an upper bound on elapsed time' {
    It 'finds no such assertion in tests/' {
        $offenders = foreach ($file in $testFiles) {
            $number = 0
            foreach ($line in Get-Content -LiteralPath $file.FullName) {
                $number++
                $timed = $line -match '(?i)elapsed|stopwatch|totalseconds|totalmilliseconds|latencyms|apiTime'
                $upper = $line -match 'Should\s+-BeLessThan|Should\s+-BeLessOrEqual|Assert\.True\([^;]*<\s*TimeSpan|Assert\.InRange\([^;]*Elapsed'
                if ($timed -and $upper) { "$($file.Name):$number $($line.Trim())" }
            }
        }
        @($offenders) | Should -BeNullOrEmpty
    }
}
