# Keeps the promise→test mapping true: every error id the documentation names (docs/usage.md "Error ids" and the
# other error tables, and each cmdlet help's NOTES) and every validation code (docs/usage.md "Validation error codes")
# appears as a quoted literal in some test file; and no test asserts an upper bound on elapsed time (speed belongs in
# build.ps1 -Task Bench); the guard's own cases show it finds one in Pester and in xunit. The ids are read from the
# documents here, so this file names none of them itself.

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
    BeforeAll {
        # A measured time: a stopwatch, Measure-Command, a latency the module measured, or the real clock subtracted.
        # A fake clock's GetUtcNow() and computed waits are not measurements. Hang guards (an if that throws) are not
        # assertions.
        $measured = '(?i)stopwatch|\belapsed|measure-command|latencyms|apitime|(\[datetime\]::|\bdatetime\.)(utc)?now\s*-\s|-\s+(\[datetime\]::|\bdatetime\.)(utc)?now|\(get-date\)\s*-\s'
        # An assertion that something is at most, or less than, a value, in Pester or xunit.
        $upper = '(?i)should\s+-belessthan|should\s+-belessorequal|should\s+-not\s+-begreaterthan|should\s+-not\s+-begreaterorequal|-l[te]\b.*should\s+-betrue|-g[te]\b.*should\s+-befalse|assert\.inrange\(|assert\.true\([^;]*[^<]<[^<]|assert\.false\([^;]*[^=>\-]>'

        function Find-UpperBoundOnElapsedTime([string[]] $Lines) {
            # Variables that hold a measured time, also through other such variables: '$took = $watch.Elapsed' then
            # '$took | Should -BeLessThan 5' is found as surely as the one-line form.
            $timed = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
            do {
                $added = $false
                foreach ($line in $Lines) {
                    if ($line -match '^\s*(?:\$(?<name>\w+)|(?:var|TimeSpan|double|long|int|float)\s+(?<name>\w+))\s*=\s*(?<value>.+)$') {
                        $value = $Matches.value; $name = $Matches.name
                        $fromTimed = $value -match $measured -or @($timed | Where-Object { $value -match "(?i)(\$|\b)$([regex]::Escape($_))\b" }).Count -gt 0
                        if ($fromTimed -and $timed.Add($name)) { $added = $true }
                    }
                }
            } while ($added)
            $number = 0
            foreach ($line in $Lines) {
                $number++
                if ($line -notmatch $upper) { continue }
                $isTimed = $line -match $measured -or @($timed | Where-Object { $line -match "(?i)(\$|\b)$([regex]::Escape($_))\b" }).Count -gt 0
                if ($isTimed) { "${number}: $($line.Trim())" }
            }
        }
    }

    It 'finds each kind of upper bound on a measured time, in Pester and in xunit: <Case>' -TestCases @(
        @{ Case = 'Pester, one line'; Lines = @('$watch.Elapsed.TotalSeconds | Should -BeLessThan 5') }
        @{ Case = 'Pester, through a variable'; Lines = @('$took = $watch.Elapsed', '$took.TotalSeconds | Should -BeLessOrEqual 2') }
        @{ Case = 'Pester, Measure-Command'; Lines = @('(Measure-Command { Send-GcFile -Path $f }).TotalSeconds | Should -BeLessThan 10') }
        @{ Case = 'Pester, -lt and -BeTrue'; Lines = @('($sw.ElapsedMilliseconds -lt 500) | Should -BeTrue') }
        @{ Case = 'Pester, -Not -BeGreaterThan on a latency'; Lines = @('$result.LatencyMs | Should -Not -BeGreaterThan 100') }
        @{ Case = 'Pester, the real clock subtracted'; Lines = @('$spent = ([DateTime]::UtcNow - $started).TotalSeconds', '$spent | Should -BeLessThan 3') }
        @{ Case = 'xunit, Elapsed < TimeSpan'; Lines = @('Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));') }
        @{ Case = 'xunit, ElapsedMilliseconds <='; Lines = @('Assert.True(watch.ElapsedMilliseconds <= 500);') }
        @{ Case = 'xunit, InRange through a variable'; Lines = @('var took = stopwatch.Elapsed;', 'Assert.InRange(took.TotalSeconds, 0, 5);') }
        @{ Case = 'xunit, Assert.False with >'; Lines = @('Assert.False(sw.Elapsed > TimeSpan.FromSeconds(1));') }
        @{ Case = 'xunit, the real clock subtracted'; Lines = @('var spent = DateTime.UtcNow - started;', 'Assert.True(spent.TotalSeconds < 2);') }
    ) {
        param($Case, $Lines)
        @(Find-UpperBoundOnElapsedTime $Lines).Count | Should -Be 1
    }

    It 'leaves lower bounds, computed waits and hang guards alone: <Case>' -TestCases @(
        @{ Case = 'Pester, a lower bound'; Lines = @('$watch = [System.Diagnostics.Stopwatch]::StartNew()', '$watch.Elapsed.TotalMilliseconds | Should -BeGreaterOrEqual 900') }
        @{ Case = 'xunit, a lower bound'; Lines = @('Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(750), $"arrived after {watch.Elapsed}");') }
        @{ Case = 'xunit, a wait computed on a fake clock'; Lines = @('waits.Add(item.NextAttemptAt - time.GetUtcNow());', 'Assert.InRange(waits[0].TotalSeconds, 15, 30);') }
        @{ Case = 'Pester, a hang guard'; Lines = @('$deadline = [DateTime]::UtcNow.AddSeconds(60)', 'if ([DateTime]::UtcNow -gt $deadline) { throw ''never started'' }') }
    ) {
        param($Case, $Lines)
        @(Find-UpperBoundOnElapsedTime $Lines) | Should -BeNullOrEmpty
    }

    It 'finds no such assertion in tests/ (Pester and xunit)' {
        @($testFiles | Where-Object Extension -EQ '.cs').Count | Should -BeGreaterThan 20 -Because 'the xunit tests are read too'
        @($testFiles | Where-Object Extension -EQ '.ps1').Count | Should -BeGreaterThan 10 -Because 'the Pester tests are read too'
        $offenders = foreach ($file in $testFiles) {
            foreach ($found in Find-UpperBoundOnElapsedTime @(Get-Content -LiteralPath $file.FullName)) { "$($file.Name):$found" }
        }
        @($offenders) | Should -BeNullOrEmpty
    }
}
