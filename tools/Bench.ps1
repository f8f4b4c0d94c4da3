<#
.SYNOPSIS
Measures the staged module against plain references on loopback and writes the results to docs/benchmarks.md.
.DESCRIPTION
Each measurement runs against a fresh emulator (tools/EmulatorProcess.psm1) and side by side with its reference,
several times, in child PowerShell processes ('dotnet pwsh') that load the staged module from disk:

  Memory       peak working-set increase of one Send-GcFile of a 25 MB file vs a 1 MB file, each in a new process
  Upload       Send-GcFile of a 25 MB transfer vs a bare HttpClient PUT (and curl, when installed) of the same file
               to a fresh presigned URL of the same emulator, in random order in one process
  Batch        200 files of 100 KB through create, upload, wait and deliver: default -ThrottleLimit vs 1 (and 16)
  Scan         time from the emulator flipping media to valid (validationDueAt) to the client's scan-result audit
               record, with validation delays of 0.2, 1 and 3 s, polls per file, and a 429 on a poll
  Import       'pwsh -NoProfile -c exit' vs the same with Import-Module of the staged manifest
  Connections  1,000 small files in 10 Send-GcFile calls of one session: TCP connections to the emulator port
               (established and TIME_WAIT) sampled during and after, and the emulator's count of connections used
  RateLimit    -RateFiles files (200) at 50 requests per 10 s, validation 0.2, 1 and 3 s, every file in one conversation
               and every file in its own: wall time against the lower bound (3 calls per file at the limit), 429s,
               API calls per delivered file by method and route; -RateRepetitions runs of each (medians and ranges);
               -RateValidationsMs and -RateModes pick cells (e.g. 3000 and shared) to re-measure one without the rest
  Commands     warm cost of Test-GcFileTransferPayload, New-GcFileTransfer and Send-GcFileTransferMessage against the
               engine call each wraps, called from the same script, in random order in one process
  Listener     signed Open Messaging callbacks (each a new event with one attachment), 16 at a time, to
               Start-GcWebhookListener (journal and audit log on) vs a bare HttpListener that only verifies the
               HMAC (tools/ListenerBench.cs), alternating rounds: callbacks/s, p99 and max latency. No emulator.

The module runs as it does by default (audit log and transfer journal on, each in a folder of the run's own); every
repetition sends to a new conversation and every file has bytes of its own, so nothing is taken for already sent.

Benchmarks assert nothing: the report says for each target whether this run met it. The generated part of the
report sits between two marker comments; text outside them (the analysis) is kept when the report is rewritten.

The script is also its own worker: with -Worker it runs one measurement's client side and writes a JSON result.
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Bench.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Bench.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll -Measurement Upload, Scan -ReportPath /tmp/bench.md

Runs two measurements only and writes the report elsewhere.
#>
[CmdletBinding(DefaultParameterSetName = 'Run')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $ModulePath,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $EmulatorPath,
    [Parameter(ParameterSetName = 'Run')] [string] $ReportPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/benchmarks.md'),
    # Memory, Upload, Batch, Scan, Import, Connections, Listener (all by default). 'pwsh -File' passes 'a,b' as one string,
    # so commas separate names too.
    [Parameter(ParameterSetName = 'Run')] [string[]] $Measurement = @('Memory', 'Upload', 'Batch', 'Scan', 'RateLimit', 'Import', 'Connections', 'Listener', 'Commands'),
    # RateLimit: files per batch and repetitions of each cell (validation 0.2, 1 and 3 s; one conversation, one each).
    [Parameter(ParameterSetName = 'Run')] [ValidateRange(1, 999)] [int] $RateFiles = $(if ($env:GFT_BENCH_RATE_FILES) { [int]$env:GFT_BENCH_RATE_FILES } else { 200 }),
    [Parameter(ParameterSetName = 'Run')] [ValidateRange(1, 20)] [int] $RateRepetitions = 1,
    # RateLimit: which cells to run, to re-measure one without the whole matrix: validations in ms (200, 1000, 3000) and
    # modes ('shared' = one conversation, 'own' = a conversation each). Commas separate values, as for -Measurement.
    [Parameter(ParameterSetName = 'Run')] [string[]] $RateValidationsMs = @('200', '1000', '3000'),
    [Parameter(ParameterSetName = 'Run')] [string[]] $RateModes = @('shared', 'own'),
    # Where the test files, audit logs and worker logs go; removed at the end.
    [Parameter(ParameterSetName = 'Run')] [string] $WorkPath = (Join-Path ([System.IO.Path]::GetTempPath()) ('gft-bench-' + [guid]::NewGuid().ToString('N'))),

    [Parameter(Mandatory, ParameterSetName = 'Worker')] [ValidateSet('Memory', 'Upload', 'Batch', 'Scan', 'Connections', 'RateLimit', 'Commands')] [string] $Worker,
    [Parameter(Mandatory, ParameterSetName = 'Worker')] [string] $SpecPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The bench sizes: repetitions are chosen so the whole run stays under about ten minutes on a 2-core machine.
$script:Sizes = @{
    MemoryRepetitions   = 3
    UploadRepetitions   = 25
    BatchFiles          = 200
    BatchFileBytes      = 100KB
    BatchRepetitions    = 3
    ScanFiles           = 8
    # A round's files validate together and one listing round answers for all of them: a round is about one
    # latency sample, not eight, so the median needs several rounds.
    ScanRounds          = 6
    ScanDelaysMs        = @(200, 1000, 3000)
    # Rate limit: the emulator at 50 requests per 10 s per token (Genesys' 300 a minute, scaled to a 10 s window).
    # -RateFiles and -RateRepetitions size it: one repetition of the six cells at 200 files takes about 14 minutes.
    RateFiles           = $RateFiles
    RateRepetitions     = $RateRepetitions
    RateDelaysMs        = @($RateValidationsMs | ForEach-Object { "$_" -split ',' } | ForEach-Object { [int]$_.Trim() })
    RateModes           = @($RateModes | ForEach-Object { "$_" -split ',' } | ForEach-Object Trim | Where-Object { $_ })
    RateRequests        = 50
    RateWindowSeconds   = 10
    ImportRepetitions   = 10
    ConnectionFiles     = 1000
    ConnectionCalls     = 10
    ListenerRequests    = 3000
    ListenerWarmup      = 10000
    ListenerRounds      = 5
    ListenerConcurrency = 16
    CommandWarmup       = 5
    CommandRepetitions  = 60
    WorkerTimeoutSec    = 600
}
$script:Metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }

#region Shared helpers

function New-PdfFile([string] $Path, [long] $Bytes) {
    # A real PDF header and trailer around comment lines: local validation and the emulator's check both accept it.
    # The file's name is in the first comment, so no two files have the same bytes: the module treats a second copy
    # of the same bytes for the same conversation as the same transfer, and would not send it again.
    $ascii = [System.Text.Encoding]::ASCII
    $head = $ascii.GetBytes("%PDF-1.4`n%$([System.IO.Path]::GetFileName($Path))`n1 0 obj`n<< /Type /Catalog >>`nendobj`n")
    $tail = $ascii.GetBytes("trailer`n<< /Root 1 0 R >>`n%%EOF`n")
    $line = $ascii.GetBytes('%' + ('x' * 78) + "`n")
    $stream = [System.IO.File]::Create($Path)
    try {
        $stream.Write($head, 0, $head.Length)
        $remaining = $Bytes - $head.Length - $tail.Length
        while ($remaining -ge $line.Length) { $stream.Write($line, 0, $line.Length); $remaining -= $line.Length }
        if ($remaining -gt 0) {
            $last = $ascii.GetBytes('%' + ('x' * [Math]::Max(0, $remaining - 2)) + "`n")
            $stream.Write($last, 0, [int]$remaining)
        }
        $stream.Write($tail, 0, $tail.Length)
    }
    finally { $stream.Dispose() }
    Get-Item -LiteralPath $Path
}

function Get-Statistic([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n -eq 0) { return [pscustomobject]@{ Median = [double]::NaN; Min = [double]::NaN; Max = [double]::NaN; Count = 0 } }
    $median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{ Median = [double]$median; Min = [double]$sorted[0]; Max = [double]$sorted[-1]; Count = $n }
}

function Get-TcpSnapshot([int] $Port) {
    # Both ends of every loopback connection to the emulator are on this machine: the client side has the
    # emulator's port as its remote port, the server side as its local one.
    $all = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().GetActiveTcpConnections()
    $client = @($all | Where-Object { $_.RemoteEndPoint.Port -eq $Port })
    $server = @($all | Where-Object { $_.LocalEndPoint.Port -eq $Port })
    [pscustomobject]@{
        ClientEstablished = @($client | Where-Object State -EQ 'Established').Count
        ClientTimeWait    = @($client | Where-Object State -EQ 'TimeWait').Count
        ServerTimeWait    = @($server | Where-Object State -EQ 'TimeWait').Count
        ClientPorts       = @($client | ForEach-Object { $_.LocalEndPoint.Port })
    }
}

#endregion

#region Worker side (runs in a child process with the staged module)

function Connect-Worker($Spec) {
    Import-Module $Spec.ModulePath
    $secret = ConvertTo-SecureString $Spec.ClientSecret -AsPlainText -Force
    $journal = @{}
    if ((Get-Command Connect-GcCloud).Parameters.ContainsKey('JournalPath')) {
        # The module's transfer journal stays on, as it is by default, but in a file of this run's own: the
        # per-user one would remember transfers from earlier runs and resume them instead of sending.
        $journal.JournalPath = $Spec.JournalPath
    }
    Connect-GcCloud -BaseUri $Spec.BaseUri -ClientId $Spec.ClientId -ClientSecret $secret -AuditLogPath $Spec.AuditPath @journal
}

function Get-WorkerTarget($Spec) {
    @{ ConversationId = $Spec.ConversationId; CommunicationId = $Spec.CommunicationId }
}

function New-WorkerTarget($Spec) {
    # A new conversation for each repetition: sending the same file to the same conversation again would be
    # recognised as the transfer already done, and cost nothing to measure.
    $created = Invoke-RestMethod -Method Post -Uri "$($Spec.BaseUri.TrimEnd('/'))/emulator/conversations"
    @{ ConversationId = $created.conversationId; CommunicationId = $created.communicationId }
}

function Read-AuditRecords([string] $Folder) {
    Get-ChildItem -LiteralPath $Folder -Filter '*.jsonl' | ForEach-Object {
        $stream = [System.IO.FileStream]::new($_.FullName, 'Open', 'Read', 'ReadWrite, Delete')
        try {
            ([System.IO.StreamReader]::new($stream)).ReadToEnd() -split "`n" | Where-Object { $_ } | ForEach-Object {
                # ConvertFrom-Json turns the time into a DateTime of uncertain kind; the exact instant is read from the text.
                $record = $_ | ConvertFrom-Json
                $record | Add-Member -NotePropertyName TimeUtc -NotePropertyValue ([DateTimeOffset]::Parse([regex]::Match($_, '"time":"([^"]+)"').Groups[1].Value, [cultureinfo]::InvariantCulture))
                $record
            }
        }
        finally { $stream.Dispose() }
    }
}

function Get-EmulatorRequest([string] $BaseUri, [string] $Route) {
    # The emulator's request log, one object per request. Invoke-RestMethod writes a JSON array as ONE object, so
    # '@(Invoke-RestMethod ...)' is an array holding the array: its Count is always 1 and a Where-Object filter sees
    # the whole log at once (and lets it all through). Enumerating it here gives the requests themselves.
    $query = if ($Route) { "?route=$Route" } else { '' }
    Invoke-RestMethod -Uri "$($BaseUri.TrimEnd('/'))/emulator/requests$query" | ForEach-Object { $_ }
}

function Get-EmulatorMediaDueAt([string] $BaseUri, [string] $MediaId) {
    # Read as text for the same reason: the instant the emulator flips the media to valid, to the tick.
    $text = (Invoke-WebRequest -Uri "$($BaseUri.TrimEnd('/'))/emulator/media/$MediaId").Content
    $document = [System.Text.Json.JsonDocument]::Parse($text)
    try { [DateTimeOffset]::Parse($document.RootElement.GetProperty('validationDueAt').GetString(), [cultureinfo]::InvariantCulture) }
    finally { $document.Dispose() }
}

function Get-ProcessMemory {
    # VmRSS is the working set now, VmHWM its peak since the process started or the peak was last reset.
    $status = [System.IO.File]::ReadAllText("/proc/$PID/status")
    $rss = [long]([regex]::Match($status, 'VmRSS:\s+(\d+) kB').Groups[1].Value) * 1KB
    $hwm = [long]([regex]::Match($status, 'VmHWM:\s+(\d+) kB').Groups[1].Value) * 1KB
    [pscustomobject]@{ Rss = $rss; Peak = $hwm }
}

function Invoke-MemoryWorker($Spec) {
    Connect-Worker $Spec
    $target = Get-WorkerTarget $Spec
    # Warm up: JIT, token, connection pool and audit file, so only the upload of the measured file is left.
    $null = Send-GcFile -Path $Spec.WarmupFile @target @script:Metadata
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $before = Get-ProcessMemory
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+), so the peak read afterwards is the
    # peak of this upload alone rather than of start-up.
    [System.IO.File]::WriteAllText("/proc/$PID/clear_refs", '5')
    $transfer = Send-GcFile -Path $Spec.File @target @script:Metadata
    $after = Get-ProcessMemory
    if ($transfer.Status -ne 'Uploaded') { throw "The upload ended $($transfer.Status)." }
    @{ BaselineBytes = $before.Rss; PeakBytes = $after.Peak; IncreaseBytes = $after.Peak - $before.Rss; FileBytes = $transfer.Length }
}

function Invoke-UploadWorker($Spec) {
    Connect-Worker $Spec
    $base = $Spec.BaseUri.TrimEnd('/')
    $http = [System.Net.Http.HttpClient]::new()
    $http.Timeout = [TimeSpan]::FromMinutes(5)

    # The reference talks to the API itself: one token, then one media upload per PUT.
    $basic = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("$($Spec.ClientId):$($Spec.ClientSecret)"))
    $token = (Invoke-RestMethod -Method Post -Uri "$base/oauth/token" -Headers @{ Authorization = "Basic $basic" } -Body @{ grant_type = 'client_credentials' }).access_token
    function New-RawUpload([string] $Path) {
        # Hashed again for every upload, untimed, as New-GcFileTransfer does before the module's timed PUT: both
        # sides then start their PUT from the same state (the file just read, the CPU just busy).
        $md5 = [Convert]::ToBase64String([Convert]::FromHexString((Get-FileHash -LiteralPath $Path -Algorithm MD5).Hash))
        $body = @{ fileName = [System.IO.Path]::GetFileName($Path); contentLengthBytes = (Get-Item -LiteralPath $Path).Length; contentMd5 = $md5 } | ConvertTo-Json
        Invoke-RestMethod -Method Post -Uri "$base/api/v2/conversations/messages/$($Spec.ConversationId)/communications/$($Spec.CommunicationId)/messages/media/uploads" `
            -Headers @{ Authorization = "Bearer $token" } -ContentType 'application/json' -Body $body
    }
    function Invoke-HttpClientPut([string] $Path) {
        $upload = New-RawUpload $Path
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $file = [System.IO.FileStream]::new($Path, 'Open', 'Read', 'Read', 1, [System.IO.FileOptions]'Asynchronous, SequentialScan')
        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Put, $upload.uploadUrl)
        $request.Content = [System.Net.Http.StreamContent]::new($file, 128KB)
        $request.Content.Headers.ContentLength = $file.Length
        foreach ($header in $upload.uploadHeaders.PSObject.Properties) {
            if (-not $request.Headers.TryAddWithoutValidation($header.Name, [string]$header.Value)) {
                $null = $request.Content.Headers.Remove($header.Name)
                $null = $request.Content.Headers.TryAddWithoutValidation($header.Name, [string]$header.Value)
            }
        }
        $request.Headers.ExpectContinue = $false
        $response = $http.SendAsync($request).GetAwaiter().GetResult()
        $watch.Stop()
        $status = [int]$response.StatusCode
        $response.Dispose(); $request.Dispose()
        if ($status -ne 200) { throw "The reference PUT got HTTP $status." }
        $watch.Elapsed.TotalMilliseconds
    }
    $curl = Get-Command -Name curl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    function Invoke-CurlPut([string] $Path) {
        $upload = New-RawUpload $Path
        # 'Expect:' switches off 100-continue, as the module does; curl's own time_total leaves out its start-up.
        $arguments = @('-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '-X', 'PUT', '--upload-file', $Path, '-H', 'Expect:')
        foreach ($header in $upload.uploadHeaders.PSObject.Properties) { $arguments += @('-H', "$($header.Name): $($header.Value)") }
        $arguments += $upload.uploadUrl
        $answer = & $curl.Source @arguments
        $parts = "$answer".Trim() -split ' '
        if ($LASTEXITCODE -ne 0 -or $parts[0] -ne '200') { throw "The curl PUT failed: $answer (exit code $LASTEXITCODE)." }
        [double]::Parse($parts[1], [cultureinfo]::InvariantCulture) * 1000
    }
    function Invoke-ModulePut([string] $Path) {
        $fresh = New-WorkerTarget $Spec
        $transfer = New-GcFileTransfer -Path $Path @fresh @script:Metadata
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $result = $transfer | Send-GcFile
        $watch.Stop()
        if ($result.Status -ne 'Uploaded') { throw "Send-GcFile ended $($result.Status)." }
        $watch.Elapsed.TotalMilliseconds
    }

    $subjects = [ordered]@{ Module = { param($p) Invoke-ModulePut $p }; HttpClient = { param($p) Invoke-HttpClientPut $p } }
    if ($curl) { $subjects.Curl = { param($p) Invoke-CurlPut $p } }
    foreach ($name in @($subjects.Keys)) { $null = & $subjects[$name] $Spec.WarmupFile }

    $samples = @{}
    foreach ($name in $subjects.Keys) { $samples[$name] = [System.Collections.Generic.List[double]]::new() }
    $names = @($subjects.Keys)
    # A new random order each repetition (fixed seed, so runs are comparable): no subject always follows another,
    # whose after-effects (the emulator writing 25 MB back to disk, curl's process exit) it would otherwise inherit.
    $random = [System.Random]::new(4)
    for ($rep = 0; $rep -lt $Spec.Repetitions; $rep++) {
        foreach ($name in @($names | Sort-Object { $random.Next() })) {
            # Garbage from the untimed set-up (hashing the file, creating the upload) is collected before the clock starts.
            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            $samples[$name].Add((& $subjects[$name] $Spec.File))
        }
    }
    $result = @{ FileBytes = (Get-Item -LiteralPath $Spec.File).Length; Curl = [bool]$curl }
    foreach ($name in $samples.Keys) { $result[$name] = $samples[$name].ToArray() }
    # Where the module's time goes, from its own audit records of the measured uploads: the PUT (file opened to
    # response headers), and the whole upload step (the PUT plus recording the result).
    $auditPath = (Get-GcConnection).AuditLogDirectory
    Disconnect-GcCloud
    $large = @(Read-AuditRecords $auditPath | Where-Object { $_.operation -eq 'upload' -and $_.outcome -eq 'success' -and $_.PSObject.Properties['bytes'] -and $_.bytes -eq $result.FileBytes })
    $result.PutMs = @($large | Where-Object { $_.PSObject.Properties['httpMethod'] } | ForEach-Object latencyMs)
    $result.StepMs = @($large | Where-Object { -not $_.PSObject.Properties['httpMethod'] } | ForEach-Object latencyMs)
    $result
}

function Invoke-BatchWorker($Spec) {
    Connect-Worker $Spec
    $target = Get-WorkerTarget $Spec
    $files = @(Get-ChildItem -LiteralPath $Spec.Folder -File | ForEach-Object FullName)
    $null = Send-GcFile -Path $Spec.WarmupFile @target @script:Metadata -Deliver
    $runs = [System.Collections.Generic.List[object]]::new()
    foreach ($throttle in $Spec.Plan) {
        $parameters = @{}
        if ($throttle -gt 0) { $parameters.ThrottleLimit = $throttle }
        $errors = $null
        $fresh = New-WorkerTarget $Spec
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(Send-GcFile -Path $files @fresh @script:Metadata -Deliver @parameters -ErrorVariable errors -ErrorAction SilentlyContinue)
        $watch.Stop()
        $runs.Add(@{
                Throttle  = $throttle
                Seconds   = $watch.Elapsed.TotalSeconds
                Delivered = @($out | Where-Object Status -EQ 'Delivered').Count
                Errors    = @($errors).Count
            })
    }
    @{ Files = $files.Count; Runs = $runs.ToArray() }
}

function Invoke-RateLimitWorker($Spec) {
    Connect-Worker $Spec
    $base = $Spec.BaseUri.TrimEnd('/')
    $files = @(Get-ChildItem -LiteralPath $Spec.Folder -File | ForEach-Object FullName)
    $warmTarget = Get-WorkerTarget $Spec
    $null = Send-GcFile -Path $Spec.WarmupFile @warmTarget @script:Metadata -Deliver
    $runs = [System.Collections.Generic.List[object]]::new()
    foreach ($case in $Spec.Plan) {
        $null = Invoke-RestMethod -Method Patch -Uri "$base/emulator/settings" -ContentType 'application/json' -Body (@{ validationDelayMs = $case.DelayMs; rateLimit = @{ requests = $Spec.Requests; windowSeconds = $Spec.WindowSeconds } } | ConvertTo-Json)
        $shared = New-WorkerTarget $Spec
        $inputs = foreach ($file in $files) {
            $target = if ($case.Mode -eq 'shared') { $shared } else { New-WorkerTarget $Spec }
            [pscustomobject]@{ Path = $file; ConversationId = $target.ConversationId; CommunicationId = $target.CommunicationId }
        }
        # A full window of rest first, so each run starts with the token's whole allowance, as a fresh batch would.
        Start-Sleep -Seconds ($Spec.WindowSeconds + 1)
        $null = Invoke-RestMethod -Method Delete -Uri "$base/emulator/requests"
        $errors = $null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($inputs | Send-GcFile @script:Metadata -Deliver -ErrorVariable errors -ErrorAction SilentlyContinue)
        $watch.Stop()
        $log = @(Get-EmulatorRequest $base | Where-Object { $_.route -notin 's3', 'token' })
        $runs.Add(@{
                Mode        = $case.Mode
                DelayMs     = $case.DelayMs
                Seconds     = $watch.Elapsed.TotalSeconds
                Delivered   = @($out | Where-Object Status -EQ 'Delivered').Count
                Errors      = @($errors).Count
                Requests    = @($log).Count
                Successful  = @($log | Where-Object { $_.status -ge 200 -and $_.status -lt 300 }).Count
                Throttled   = @($log | Where-Object status -EQ 429).Count
                Polls       = @($log | Where-Object { $_.route -in 'media', 'medialist' }).Count
                # Every API request by method and route, with its status: which call a file costs beyond create,
                # a status poll and deliver.
                ByRoute     = @($log | Group-Object { "$($_.method) $($_.route) $($_.status)" } | ForEach-Object { @{ Key = $_.Name; Count = $_.Count } })
            })
    }
    @{ Files = $files.Count; Runs = $runs.ToArray() }
}

function Invoke-CommandsWorker($Spec) {
    Connect-Worker $Spec
    $connection = Get-GcConnection
    $target = Get-WorkerTarget $Spec
    $base = $Spec.BaseUri.TrimEnd('/')
    $null = Invoke-RestMethod -Method Patch -Uri "$base/emulator/settings" -ContentType 'application/json' -Body (@{ validationDelayMs = 0 } | ConvertTo-Json)
    $files = @(Get-ChildItem -LiteralPath $Spec.Folder -File | Sort-Object Name | ForEach-Object FullName)
    $none = [System.Threading.CancellationToken]::None
    $policy = [GenesysFileTransfer.Engine.Validation.FileUploadPolicy]::Default

    # The same metadata the cmdlets build from @script:Metadata (FileInputCmdlet.BuildMetadata): a bucket reference,
    # an access policy with the retention, AES256 and no download, and no scan (the connection has no scanner; a
    # local check without a connection shows the default, on).
    function New-Metadata([bool] $Scan) {
        $metadata = [GenesysFileTransfer.Engine.Validation.TransferMetadata]::new()
        $metadata.StorageBucketReference = $script:Metadata.StorageBucketReference
        $access = [GenesysFileTransfer.Engine.Validation.AccessPolicy]::new()
        $access.RetentionDays = $script:Metadata.RetentionDays
        $access.EncryptionStandard = [GenesysFileTransfer.Engine.Validation.EncryptionStandards]::Aes256
        $access.DownloadAllowed = $false
        $metadata.AccessPolicy = $access
        $metadata.VirusScanEnabled = $Scan
        $metadata
    }

    # Each subject is the cmdlet as a script calls it, and its reference is the engine call the cmdlet wraps, with the
    # objects the cmdlet would build built the same way, called from the same script: the difference is what the
    # cmdlet adds (binding, path resolution, the pipeline queue and its drain, output).
    $subjects = [ordered]@{
        'Test-GcFileTransferPayload' = @{
            Cmdlet    = { param($f) $null = Test-GcFileTransferPayload -LiteralPath $f.Path @script:Metadata }
            Reference = { param($f) $null = [GenesysFileTransfer.Engine.Validation.FileTransferValidator]::new($policy, $true).Validate([GenesysFileTransfer.Engine.Validation.FileCandidate]::new($f.Path, $null, (New-Metadata $true), $null), $none) }
        }
        'New-GcFileTransfer'         = @{
            Cmdlet    = { param($f) $f.Transfer = New-GcFileTransfer -LiteralPath $f.Path @target @script:Metadata }
            Reference = {
                param($f)
                $request = [GenesysFileTransfer.Engine.Transfers.CreateTransferRequest]::new([GenesysFileTransfer.Engine.Validation.FileCandidate]::new($f.Path, $null, (New-Metadata $false), $null), $target.ConversationId, $target.CommunicationId, $policy)
                $request.CorrelationId = [guid]::NewGuid().ToString()
                $f.Transfer = $connection.Transfers.CreateAsync($request, $none).GetAwaiter().GetResult()
            }
        }
        'Send-GcFileTransferMessage' = @{
            Cmdlet    = { param($f) $null = $f.Transfer | Send-GcFileTransferMessage }
            Reference = { param($f) $null = $connection.Transfers.DeliverAsync($f.Transfer, [guid]::NewGuid().ToString(), $none).GetAwaiter().GetResult() }
        }
    }

    # Every file is used once by one side of one command: New-GcFileTransfer makes its transfer, which is uploaded and
    # validated untimed and then delivered by Send-GcFileTransferMessage; Test-GcFileTransferPayload only reads it.
    $perSide = [int]($files.Count / 2)
    $plan = for ($i = 0; $i -lt $perSide; $i++) {
        [pscustomobject]@{ Side = 'Cmdlet'; Path = $files[2 * $i]; Transfer = $null }
        [pscustomobject]@{ Side = 'Reference'; Path = $files[2 * $i + 1]; Transfer = $null }
    }
    $warm = $Spec.Warmup
    $samples = @{}
    foreach ($name in $subjects.Keys) { foreach ($side in 'Cmdlet', 'Reference') { $samples["$name|$side"] = [System.Collections.Generic.List[double]]::new() } }
    $random = [System.Random]::new(7)
    $watch = [System.Diagnostics.Stopwatch]::new()
    foreach ($name in $subjects.Keys) {
        # Pairs in a random order each (cmdlet first or reference first), so neither side always follows the other.
        for ($i = 0; $i -lt $perSide; $i++) {
            $pair = @($plan[2 * $i], $plan[2 * $i + 1])
            if ($random.Next(2) -eq 1) { [array]::Reverse($pair) }
            foreach ($item in $pair) {
                [GC]::Collect(); [GC]::WaitForPendingFinalizers()
                $watch.Restart()
                & $subjects[$name][$item.Side] $item
                $watch.Stop()
                # The first pairs warm up both sides (JIT, pools, journal statements) and are not counted.
                if ($i -ge $warm) { $samples["$name|$($item.Side)"].Add($watch.Elapsed.TotalMilliseconds) }
            }
        }
        if ($name -eq 'New-GcFileTransfer') {
            # Untimed: upload every transfer and wait until Genesys validated it, ready to be delivered.
            $null = $plan.Transfer | Send-GcFile -Wait
            foreach ($item in $plan) { if ($item.Transfer.Status -ne 'Valid') { throw "$($item.Path) is $($item.Transfer.Status), not Valid." } }
        }
    }
    $delivered = @($plan | Where-Object { "$($_.Transfer.Status)" -eq 'Delivered' }).Count
    $result = @{ PerSide = $perSide; Warmup = $warm; Delivered = $delivered; Samples = @{} }
    foreach ($key in $samples.Keys) { $result.Samples[$key] = $samples[$key].ToArray() }
    $result
}

function Invoke-ScanWorker($Spec) {
    Connect-Worker $Spec
    $target = Get-WorkerTarget $Spec
    $base = $Spec.BaseUri.TrimEnd('/')
    $files = @(Get-ChildItem -LiteralPath $Spec.Folder -File | ForEach-Object FullName)
    $null = Send-GcFile -Path $Spec.WarmupFile @target @script:Metadata -Wait
    $sent = [System.Collections.Generic.List[object]]::new()
    foreach ($delay in $Spec.DelaysMs) {
        $null = Invoke-RestMethod -Method Patch -Uri "$base/emulator/settings" -ContentType 'application/json' -Body (@{ validationDelayMs = $delay } | ConvertTo-Json)
        for ($round = 0; $round -lt $Spec.Rounds; $round++) {
            $fresh = New-WorkerTarget $Spec
            $null = Invoke-RestMethod -Method Delete -Uri "$base/emulator/requests"
            $roundResults = @(Send-GcFile -Path $files @fresh @script:Metadata -Wait -ThrottleLimit $files.Count)
            # Status requests of the round (single GETs and listing pages), shared out over its files.
            $pollRequests = @(Get-EmulatorRequest $base 'media').Count + @(Get-EmulatorRequest $base 'medialist').Count
            foreach ($transfer in $roundResults) {
                $due = Get-EmulatorMediaDueAt $base "$($transfer.MediaId)"
                $sent.Add(@{ DelayMs = $delay; TransferId = "$($transfer.TransferId)"; Status = "$($transfer.Status)"; ValidationDueAt = $due; PollRequests = $pollRequests / [Math]::Max(1, $roundResults.Count) })
            }
        }
    }

    # A 429 on a status poll: the retry must wait what Retry-After asked.
    $null = Invoke-RestMethod -Method Patch -Uri "$base/emulator/settings" -ContentType 'application/json' -Body (@{ validationDelayMs = 200 } | ConvertTo-Json)
    $null = Invoke-RestMethod -Method Post -Uri "$base/emulator/faults" -ContentType 'application/json' -Body (@{ route = 'media'; method = 'GET'; count = 1; action = 'status'; status = 429; retryAfterSeconds = 1 } | ConvertTo-Json)
    $fresh = New-WorkerTarget $Spec
    $limited = Send-GcFile -Path $files[0] @fresh @script:Metadata -Wait
    $null = Invoke-RestMethod -Method Delete -Uri "$base/emulator/faults"

    $auditPath = (Get-GcConnection).AuditLogDirectory
    Disconnect-GcCloud
    $records = @(Read-AuditRecords $auditPath)
    $samples = foreach ($entry in $sent) {
        $mine = @($records | Where-Object { $_.PSObject.Properties['transferId'] -and $_.transferId -eq $entry.TransferId })
        $result = $mine | Where-Object operation -EQ 'scan-result' | Select-Object -Last 1
        $polls = @($mine | Where-Object { $_.operation -eq 'scan-poll' -and $_.outcome -ne 'retry' })
        @{
            DelayMs   = $entry.DelayMs
            Status    = $entry.Status
            LatencyMs = ($result.TimeUtc - $entry.ValidationDueAt).TotalMilliseconds
            Polls     = $polls.Count
            PollRequests = $entry.PollRequests
            Schedule  = @($polls | ForEach-Object { $_.detail }) -join '; '
        }
    }
    $limitedRecords = @($records | Where-Object { $_.PSObject.Properties['transferId'] -and $_.transferId -eq "$($limited.TransferId)" })
    $retry = $limitedRecords | Where-Object { $_.operation -eq 'scan-poll' -and $_.outcome -eq 'retry' } | Select-Object -First 1
    $gets = @($limitedRecords | Where-Object { $_.operation -eq 'api-call' -and $_.httpMethod -eq 'GET' })
    $first429 = $gets | Where-Object httpStatus -EQ 429 | Select-Object -First 1
    $afterIndex = if ($first429) { [array]::IndexOf($gets, $first429) + 1 } else { -1 }
    $gapMs = if ($first429 -and $afterIndex -lt $gets.Count) {
        ($gets[$afterIndex].TimeUtc - $first429.TimeUtc).TotalMilliseconds
    }
    else { $null }
    @{
        Samples   = @($samples)
        RateLimit = @{
            Status            = "$($limited.Status)"
            RetryAfterSeconds = if ($retry) { $retry.retryAfterSeconds } else { $null }
            RetryDetail       = if ($retry) { $retry.detail } else { $null }
            GapMs             = $gapMs
        }
    }
}

function Invoke-ConnectionsWorker($Spec) {
    Connect-Worker $Spec
    $target = Get-WorkerTarget $Spec
    $base = $Spec.BaseUri.TrimEnd('/')
    $port = ([Uri]$Spec.BaseUri).Port
    $files = @(Get-ChildItem -LiteralPath $Spec.Folder -File | Sort-Object Name | ForEach-Object FullName)
    # The bench's own control calls share one kept-alive connection: Invoke-RestMethod would open (and leave in
    # TIME_WAIT) a new one per call, which would be counted against the module.
    $control = [System.Net.Http.HttpClient]::new()
    function Get-Stats { $control.GetStringAsync("$base/emulator/stats").GetAwaiter().GetResult() | ConvertFrom-Json }
    $settings = [System.Net.Http.StringContent]::new('{"validationDelayMs":0}', [System.Text.Encoding]::UTF8, 'application/json')
    $null = $control.PatchAsync("$base/emulator/settings", $settings).GetAwaiter().GetResult().EnsureSuccessStatusCode()
    $perCall = [Math]::Ceiling($files.Count / $Spec.Calls)
    $seen = [System.Collections.Generic.HashSet[int]]::new()
    $calls = [System.Collections.Generic.List[object]]::new()
    $delivered = 0
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    for ($call = 0; $call -lt $Spec.Calls; $call++) {
        $batch = @($files | Select-Object -Skip ($call * $perCall) -First $perCall)
        $delivered += @(Send-GcFile -Path $batch @target @script:Metadata -Deliver | Where-Object Status -EQ 'Delivered').Count
        $snapshot = Get-TcpSnapshot $port
        foreach ($p in $snapshot.ClientPorts) { $null = $seen.Add($p) }
        $stats = Get-Stats
        $calls.Add(@{
                Call              = $call + 1
                Delivered         = $delivered
                ClientEstablished = $snapshot.ClientEstablished
                ClientTimeWait    = $snapshot.ClientTimeWait
                ServerTimeWait    = $snapshot.ServerTimeWait
                ClientPortsSeen   = $seen.Count
                ServerConnections = $stats.connections
                Requests          = ($stats.routes.PSObject.Properties | ForEach-Object { $_.Value.requests } | Measure-Object -Sum).Sum
            })
    }
    $watch.Stop()
    @{ Files = $files.Count; Seconds = $watch.Elapsed.TotalSeconds; Calls = $calls.ToArray(); Stats = (Get-Stats) }
}

if ($PSCmdlet.ParameterSetName -eq 'Worker') {
    $spec = Get-Content -LiteralPath $SpecPath -Raw | ConvertFrom-Json
    $result = switch ($Worker) {
        'Memory' { Invoke-MemoryWorker $spec }
        'Upload' { Invoke-UploadWorker $spec }
        'Batch' { Invoke-BatchWorker $spec }
        'Scan' { Invoke-ScanWorker $spec }
        'Connections' { Invoke-ConnectionsWorker $spec }
        'RateLimit' { Invoke-RateLimitWorker $spec }
        'Commands' { Invoke-CommandsWorker $spec }
    }
    $result | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $spec.ResultPath -Encoding utf8
    exit 0
}

#endregion

#region Orchestrator side

$known = 'RateLimit', 'Memory', 'Upload', 'Batch', 'Scan', 'Import', 'Connections', 'Listener', 'Commands'
$Measurement = @($Measurement | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
foreach ($name in $Measurement | Where-Object { $_ -notin $known }) { throw "Unknown measurement '$name'; choose from $($known -join ', ')." }
Import-Module (Join-Path $PSScriptRoot 'EmulatorProcess.psm1') -Force
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$EmulatorPath = (Resolve-Path -LiteralPath $EmulatorPath).ProviderPath
$ReportPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ReportPath)
$null = New-Item -ItemType Directory -Path $WorkPath -Force
$dotnet = (Get-Command -Name dotnet -CommandType Application | Select-Object -First 1).Source

function Start-Child {
    # A child process with its output in log files; the arguments are passed as a list, so nothing is re-quoted.
    param([string[]] $Arguments, [string] $LogName)
    $info = [System.Diagnostics.ProcessStartInfo]::new($dotnet)
    foreach ($argument in $Arguments) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    [pscustomobject]@{
        Process = $process
        Stdout  = $process.StandardOutput.ReadToEndAsync()
        Stderr  = $process.StandardError.ReadToEndAsync()
        LogName = $LogName
    }
}

function Wait-Child {
    # Waits (bounded) for a child, calling $OnTick every $TickMs meanwhile; a child over its time is killed.
    param($Child, [int] $TimeoutSec = $script:Sizes.WorkerTimeoutSec, [scriptblock] $OnTick, [int] $TickMs = 200)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not $Child.Process.WaitForExit($TickMs)) {
        if ($OnTick) { & $OnTick }
        if ([DateTime]::UtcNow -gt $deadline) {
            $Child.Process.Kill($true)
            $null = $Child.Process.WaitForExit(5000)
            throw "$($Child.LogName) did not finish within $TimeoutSec s."
        }
    }
    $Child.Process.WaitForExit()
    $log = Join-Path $WorkPath "$($Child.LogName).log"
    Set-Content -LiteralPath $log -Value ($Child.Stdout.Result + "`n" + $Child.Stderr.Result)
    $Child.Process.ExitCode
}

function Invoke-Worker {
    param([string] $Name, [hashtable] $Spec, $Emulator, [scriptblock] $OnTick, [int] $TimeoutSec = $script:Sizes.WorkerTimeoutSec)
    $id = "$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $Spec.ModulePath = $ModulePath
    $Spec.BaseUri = $Emulator.BaseUri
    $Spec.ClientId = $Emulator.ClientId
    $Spec.ClientSecret = [System.Net.NetworkCredential]::new('', $Emulator.ClientSecret).Password
    $Spec.ConversationId = $Emulator.ConversationId
    $Spec.CommunicationId = $Emulator.CommunicationId
    $Spec.AuditPath = Join-Path $WorkPath "audit-$id"
    $Spec.JournalPath = Join-Path $WorkPath "journal-$id.db"
    $Spec.ResultPath = Join-Path $WorkPath "result-$id.json"
    $specPath = Join-Path $WorkPath "spec-$id.json"
    $Spec | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $specPath -Encoding utf8
    $child = Start-Child -Arguments @('pwsh', '-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Worker', $Name, '-SpecPath', $specPath) -LogName $id
    $exitCode = Wait-Child -Child $child -OnTick $OnTick -TimeoutSec $TimeoutSec
    if ($exitCode -ne 0 -or -not (Test-Path -LiteralPath $Spec.ResultPath)) {
        $tail = (Get-Content -LiteralPath (Join-Path $WorkPath "$id.log") -Tail 30) -join "`n"
        throw "The $Name worker failed (exit code $exitCode):`n$tail"
    }
    Get-Content -LiteralPath $Spec.ResultPath -Raw | ConvertFrom-Json
}

function Use-Emulator {
    # A fresh emulator for one measurement, stopped whatever happens.
    param([scriptblock] $Body)
    # The emulator keeps uploaded bytes in a temporary folder. On a disk shared with the client, its 25 MB writes
    # would make the client's next durable write (the transfer journal's commit) wait for them to reach the disk:
    # an fsync right after 25 MB of unrelated writes took 15-20 ms on the machine this was written on. A real
    # storage host is another machine, so the bytes go to memory (tmpfs) where there is one.
    $store = $null
    $savedTemp = $env:TMPDIR
    if (Test-Path -LiteralPath '/dev/shm' -PathType Container) {
        $store = New-Item -ItemType Directory -Path (Join-Path '/dev/shm' ('gft-bench-' + [guid]::NewGuid().ToString('N')))
        $env:TMPDIR = $store.FullName
    }
    try { $emulator = Start-EmulatorProcess -EmulatorPath $EmulatorPath }
    finally { $env:TMPDIR = $savedTemp }
    try {
        & $Body $emulator
    }
    finally {
        Stop-EmulatorProcess -Emulator $emulator
        if ($store) { Remove-Item -LiteralPath $store.FullName -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

function New-Row {
    param(
        [string] $Name, [string] $Subject, [string] $Reference, [string] $Unit, [double[]] $SubjectValues, [double[]] $ReferenceValues,
        [string] $Result, [string] $Target, [Nullable[bool]] $Met, [string] $Miss
    )
    [pscustomobject]@{
        Name = $Name; Subject = $Subject; Reference = $Reference; Unit = $Unit
        SubjectStat = (Get-Statistic $SubjectValues); ReferenceStat = if ($ReferenceValues) { Get-Statistic $ReferenceValues } else { $null }
        Result = $Result; Target = $Target; Met = $Met; Miss = $Miss
    }
}

$Rows = [System.Collections.Generic.List[object]]::new()
$Details = [System.Collections.Generic.List[string]]::new()

function Measure-Memory {
    $folder = Join-Path $WorkPath 'memory'
    $null = New-Item -ItemType Directory -Path $folder -Force
    $small = New-PdfFile (Join-Path $folder 'one-mb.pdf') 1MB
    $large = New-PdfFile (Join-Path $folder 'twenty-five-mb.pdf') 25MB
    $warm = New-PdfFile (Join-Path $folder 'warm-up.pdf') 64KB
    $increase = @{ Small = [System.Collections.Generic.List[double]]::new(); Large = [System.Collections.Generic.List[double]]::new() }
    Use-Emulator {
        param($emulator)
        for ($rep = 0; $rep -lt $script:Sizes.MemoryRepetitions; $rep++) {
            foreach ($case in @(@{ Key = 'Small'; File = $small }, @{ Key = 'Large'; File = $large })) {
                $result = Invoke-Worker -Name Memory -Emulator $emulator -Spec @{ File = $case.File.FullName; WarmupFile = $warm.FullName }
                $increase[$case.Key].Add($result.IncreaseBytes / 1MB)
            }
        }
    }
    $delta = (Get-Statistic $increase.Large).Median - (Get-Statistic $increase.Small).Median
    $Rows.Add((New-Row -Name 'Peak working set' -Subject 'Send-GcFile, 25 MB (fresh process)' -Reference 'Send-GcFile, 1 MB (fresh process)' -Unit 'MB' `
                -SubjectValues $increase.Large -ReferenceValues $increase.Small -Result ('+{0:0.0} MB' -f $delta) -Target '≤ +8 MB' -Met ($delta -le 8) `
                -Miss $(if ($delta -gt 8) { 'by {0:0.0} MB' -f ($delta - 8) })))
    $Details.Add("- **Peak working set**: increase of VmHWM (reset through /proc/self/clear_refs after a warm-up upload) over the RSS before the measured ``Send-GcFile -Path`` (validation, hashing, create, upload); $($script:Sizes.MemoryRepetitions) fresh processes per size. 25 MB: $(($increase.Large | ForEach-Object { '{0:0.0}' -f $_ }) -join ', ') MB; 1 MB: $(($increase.Small | ForEach-Object { '{0:0.0}' -f $_ }) -join ', ') MB.")
}

function Measure-Upload {
    $folder = Join-Path $WorkPath 'upload'
    $null = New-Item -ItemType Directory -Path $folder -Force
    $file = New-PdfFile (Join-Path $folder 'upload-25mb.pdf') 25MB
    $warm = New-PdfFile (Join-Path $folder 'warm-up.pdf') 1MB
    $result = Use-Emulator {
        param($emulator)
        Invoke-Worker -Name Upload -Emulator $emulator -Spec @{ File = $file.FullName; WarmupFile = $warm.FullName; Repetitions = $script:Sizes.UploadRepetitions }
    }
    $module = Get-Statistic $result.Module
    $client = Get-Statistic $result.HttpClient
    $ratio = $module.Median / $client.Median
    $mbps = { param($ms) ($result.FileBytes / 1MB) / ($ms / 1000) }
    $Rows.Add((New-Row -Name 'Upload 25 MB' -Subject 'Send-GcFile (transfer already created)' -Reference 'bare HttpClient PUT' -Unit 'ms' `
                -SubjectValues $result.Module -ReferenceValues $result.HttpClient -Result ('{0:0.00}×' -f $ratio) -Target '≤ 1.10×' -Met ($ratio -le 1.10) `
                -Miss $(if ($ratio -gt 1.10) { 'by {0:0}%' -f (($ratio - 1.10) * 100) })))
    $line = "- **Upload 25 MB**: $($script:Sizes.UploadRepetitions) repetitions in one process, in a new random order each time, after a warm-up of each; each PUT goes to a fresh presigned URL of the same emulator with the same signed headers (Content-MD5 included). Median throughput: module {0:0} MB/s, HttpClient {1:0} MB/s" -f (& $mbps $module.Median), (& $mbps $client.Median)
    if ($result.Curl) {
        $curl = Get-Statistic $result.Curl
        $curlRatio = $module.Median / $curl.Median
        $Rows.Add((New-Row -Name 'Upload 25 MB' -Subject 'Send-GcFile (transfer already created)' -Reference 'curl PUT (its time_total)' -Unit 'ms' `
                    -SubjectValues $result.Module -ReferenceValues $result.Curl -Result ('{0:0.00}×' -f $curlRatio) -Target '≤ 1.10×' -Met ($curlRatio -le 1.10) `
                    -Miss $(if ($curlRatio -gt 1.10) { 'by {0:0}%' -f (($curlRatio - 1.10) * 100) })))
        $line += ', curl {0:0} MB/s' -f (& $mbps $curl.Median)
    }
    # Each repetition runs every subject once, close together in time; the median of those paired ratios is less
    # swayed by load that comes and goes during the run than the ratio of the two medians.
    $paired = Get-Statistic @(for ($i = 0; $i -lt $result.Module.Count; $i++) { $result.Module[$i] / $result.HttpClient[$i] })
    $line += '. Median of the per-repetition ratios module / HttpClient: {0:0.00} ({1:0.00}–{2:0.00})' -f $paired.Median, $paired.Min, $paired.Max
    if (@($result.PutMs).Count -gt 0) {
        $line += ". Inside the module (its audit records, medians): the PUT itself {0:0} ms, the upload step with its audit and journal records {1:0} ms, the whole Send-GcFile call {2:0} ms" -f (Get-Statistic $result.PutMs).Median, (Get-Statistic $result.StepMs).Median, $module.Median
    }
    $Details.Add($line + '.')
}

function Measure-Batch {
    $folder = Join-Path $WorkPath 'batch'
    $null = New-Item -ItemType Directory -Path $folder -Force
    for ($i = 1; $i -le $script:Sizes.BatchFiles; $i++) { $null = New-PdfFile (Join-Path $folder ('batch-{0:000}.pdf' -f $i)) $script:Sizes.BatchFileBytes }
    $warm = New-PdfFile (Join-Path $WorkPath 'batch-warm-up.pdf') 4KB
    # Alternating the two settings spreads the other core's load over both.
    $plan = @(for ($rep = 0; $rep -lt $script:Sizes.BatchRepetitions; $rep++) { 0; 1; 16 })
    $result = Use-Emulator {
        param($emulator)
        Invoke-Worker -Name Batch -Emulator $emulator -Spec @{ Folder = $folder; WarmupFile = $warm.FullName; Plan = $plan }
    }
    $default = @($result.Runs | Where-Object Throttle -EQ 0)
    $serial = @($result.Runs | Where-Object Throttle -EQ 1)
    $speedup = (Get-Statistic $serial.Seconds).Median / (Get-Statistic $default.Seconds).Median
    $Rows.Add((New-Row -Name "Batch of $($result.Files) × 100 KB, -Deliver" -Subject "default -ThrottleLimit ($($script:DefaultThrottle))" -Reference '-ThrottleLimit 1' -Unit 's' `
                -SubjectValues $default.Seconds -ReferenceValues $serial.Seconds -Result ('{0:0.0}× faster' -f $speedup) -Target '≥ 5× faster' -Met ($speedup -ge 5) `
                -Miss $(if ($speedup -lt 5) { 'by {0:0.0}×' -f (5 - $speedup) })))
    $wide = @($result.Runs | Where-Object Throttle -EQ 16)
    $wideSpeedup = (Get-Statistic $serial.Seconds).Median / (Get-Statistic $wide.Seconds).Median
    $Rows.Add((New-Row -Name "Batch of $($result.Files) × 100 KB, -Deliver" -Subject '-ThrottleLimit 16 (for comparison)' -Reference '-ThrottleLimit 1' -Unit 's' `
                -SubjectValues $wide.Seconds -ReferenceValues $serial.Seconds -Result ('{0:0.0}× faster' -f $wideSpeedup) -Target '–' -Met $null))
    $Details.Add("- **Batch**: one process, a warm-up file first, then the $($result.Files) files $($script:Sizes.BatchRepetitions) times with each setting (default, 1, 16), alternating; create, upload, wait (emulator validation delay 200 ms, its default) and deliver. Delivered per run: $(($result.Runs | ForEach-Object { "$($_.Delivered)" }) -join ', '); errors: $(($result.Runs | Measure-Object -Property Errors -Sum).Sum).")
}

function Measure-Scan {
    $folder = Join-Path $WorkPath 'scan'
    $null = New-Item -ItemType Directory -Path $folder -Force
    for ($i = 1; $i -le $script:Sizes.ScanFiles; $i++) { $null = New-PdfFile (Join-Path $folder ('scan-{0:00}.pdf' -f $i)) 10KB }
    $warm = New-PdfFile (Join-Path $WorkPath 'scan-warm-up.pdf') 4KB
    $result = Use-Emulator {
        param($emulator)
        Invoke-Worker -Name Scan -Emulator $emulator -Spec @{ Folder = $folder; WarmupFile = $warm.FullName; DelaysMs = $script:Sizes.ScanDelaysMs; Rounds = $script:Sizes.ScanRounds }
    }
    foreach ($delay in $script:Sizes.ScanDelaysMs) {
        $samples = @($result.Samples | Where-Object DelayMs -EQ $delay)
        $latency = Get-Statistic $samples.LatencyMs
        $polls = Get-Statistic $samples.Polls
        $requests = Get-Statistic $samples.PollRequests
        # Status requests per file before shared polling (one GET per file per poll, the fixed schedule): 2, 5 and 13.
        $before = @{ 200 = 2; 1000 = 5; 3000 = 13 }[[int]$delay]
        $fewer = $null -eq $before -or $requests.Median -le $before
        $Rows.Add((New-Row -Name ('Scan detection, validation {0:0.0} s' -f ($delay / 1000)) -Subject 'validationDueAt → scan-result record' -Reference '' -Unit 'ms' `
                    -SubjectValues $samples.LatencyMs -Result ('{0:0} ms; status requests/file {1:0.00} ({2:0.00}–{3:0.00}), before {4}; status looks/file {5:0}' -f $latency.Median, $requests.Median, $requests.Min, $requests.Max, $before, $polls.Median) -Target '≤ 100 ms, requests/file ≤ before' `
                    -Met ($latency.Median -le 100 -and $fewer) -Miss $(if ($latency.Median -gt 100) { 'by {0:0} ms' -f ($latency.Median - 100) } elseif (-not $fewer) { 'requests/file' })))
    }
    $example = $result.Samples | Where-Object DelayMs -EQ ($script:Sizes.ScanDelaysMs | Select-Object -Last 1) | Select-Object -First 1
    $Details.Add("- **Scan detection**: $($script:Sizes.ScanFiles) files at once (``Send-GcFile -Wait -ThrottleLimit $($script:Sizes.ScanFiles)``), $($script:Sizes.ScanRounds) rounds per validation delay; latency = time of the ``scan-result`` audit record minus the emulator's ``validationDueAt`` for that media (same clock). The poll schedule is in the audit log: each ``scan-poll`` record says when the next poll is due, e.g. for a $('{0:0}' -f (($script:Sizes.ScanDelaysMs | Select-Object -Last 1) / 1000)) s validation: $($example.Schedule). The files of a round validate together and one listing round answers for all of them (shared rounds every 100 ms while the token is not busy), so a round gives about one latency, not $($script:Sizes.ScanFiles): the median is over $($script:Sizes.ScanRounds) independent draws of where the round grid falls against the validation, each at most one round's pause plus one request.")
    $rate = $result.RateLimit
    $Details.Add("- **429 on a status poll** (``Retry-After: 1``): the transfer ended $($rate.Status); the retry was audited with retryAfterSeconds = $($rate.RetryAfterSeconds) ('$($rate.RetryDetail)') and the next poll went out $('{0:0}' -f $rate.GapMs) ms after the 429.")
}

function Measure-RateLimit {
    $folder = Join-Path $WorkPath 'rate'
    $null = New-Item -ItemType Directory -Path $folder -Force
    $files = $script:Sizes.RateFiles
    for ($i = 1; $i -le $files; $i++) { $null = New-PdfFile (Join-Path $folder ('rate-{0:000}.pdf' -f $i)) 10KB }
    $warm = New-PdfFile (Join-Path $WorkPath 'rate-warm-up.pdf') 4KB
    # Every cell once per repetition, shared and own conversations alternating, so the other engineers' load falls
    # on all of them; each repetition in a fresh emulator and a fresh worker process (a new session, a new budget).
    $plan = @(foreach ($delay in $script:Sizes.RateDelaysMs) { foreach ($mode in $script:Sizes.RateModes) { @{ Mode = $mode; DelayMs = $delay } } })
    # About a second per file at the limit (3 calls at 5 a second is 0.6 s) plus the window of rest, per run.
    $timeout = [int]($plan.Count * ($files * 1.2 + 60))
    $runs = [System.Collections.Generic.List[object]]::new()
    for ($rep = 1; $rep -le $script:Sizes.RateRepetitions; $rep++) {
        Write-Host "    rate-limit repetition $rep of $($script:Sizes.RateRepetitions) ($($plan.Count) runs of $files files)"
        $result = Use-Emulator {
            param($emulator)
            Invoke-Worker -Name RateLimit -Emulator $emulator -TimeoutSec $timeout -Spec @{ Folder = $folder; WarmupFile = $warm.FullName; Plan = $plan; Requests = $script:Sizes.RateRequests; WindowSeconds = $script:Sizes.RateWindowSeconds }
        }
        foreach ($run in $result.Runs) { $run | Add-Member -NotePropertyName Repetition -NotePropertyValue $rep; $runs.Add($run) }
    }
    $perSecond = $script:Sizes.RateRequests / $script:Sizes.RateWindowSeconds
    $bound = 3 * $files / $perSecond
    $range = { param($stat, $format) if ($stat.Count -gt 1) { ("$format ($format–$format)" -f $stat.Median, $stat.Min, $stat.Max) } else { $format -f $stat.Median } }
    foreach ($cell in $plan) {
        $mine = @($runs | Where-Object { $_.Mode -eq $cell.Mode -and $_.DelayMs -eq $cell.DelayMs })
        $ratio = Get-Statistic @($mine | ForEach-Object { $_.Seconds / $bound })
        $share = Get-Statistic @($mine | ForEach-Object { 100.0 * $_.Throttled / [Math]::Max(1, $_.Requests) })
        $perFile = Get-Statistic @($mine | ForEach-Object { $_.Successful / [Math]::Max(1, $_.Delivered) })
        $status = Get-Statistic @($mine | ForEach-Object { $_.Polls / [Math]::Max(1, $_.Delivered) })
        $limit = if ($cell.Mode -eq 'shared') { 1.10 } else { 1.15 }
        $met = $ratio.Median -le $limit -and $share.Max -le 1 -and ($cell.Mode -ne 'shared' -or $perFile.Median -le 2.3)
        $miss = @()
        if ($ratio.Median -gt $limit) { $miss += ('time by {0:0.00}×' -f ($ratio.Median - $limit)) }
        if ($share.Max -gt 1) { $miss += ('429 share by {0:0.0} points' -f ($share.Max - 1)) }
        if ($cell.Mode -eq 'shared' -and $perFile.Median -gt 2.3) { $miss += ('calls/file by {0:0.00}' -f ($perFile.Median - 2.3)) }
        $delivered = ($mine | ForEach-Object { "$($_.Delivered)" }) -join ', '
        $Rows.Add((New-Row -Name ("$files files at $($script:Sizes.RateRequests)/$($script:Sizes.RateWindowSeconds) s, validation {0:0.0} s, {1}" -f ($cell.DelayMs / 1000), $(if ($cell.Mode -eq 'shared') { 'one conversation' } else { 'a conversation each' })) `
                    -Subject "Send-GcFile -Deliver (default throttle), $($mine.Count) run$(if ($mine.Count -ne 1) { 's' })" -Reference 'lower bound: 3 calls/file at the limit' -Unit 's' -SubjectValues @($mine.Seconds) -ReferenceValues @($bound) `
                    -Result ('{0}× bound; 429: {1}% of requests at most ({2} in all); {3} calls/file, of them {4} status requests; delivered {5}' -f (& $range $ratio '{0:0.00}'), ('{0:0.0}' -f $share.Max), (($mine | Measure-Object -Property Throttled -Sum).Sum), (& $range $perFile '{0:0.00}'), (& $range $status '{0:0.00}'), $delivered) `
                    -Target $(if ($cell.Mode -eq 'shared') { '≤ 1.10× bound, ≤ 1% 429, ≤ 2.3 calls/file' } else { '≤ 1.15× bound, ≤ 1% 429' }) -Met $met -Miss ($miss -join ', ')))
    }
    foreach ($cell in $plan) {
        $mine = @($runs | Where-Object { $_.Mode -eq $cell.Mode -and $_.DelayMs -eq $cell.DelayMs })
        $keys = @($mine | ForEach-Object { $_.ByRoute } | ForEach-Object Key | Sort-Object -Unique)
        $routes = foreach ($key in $keys) {
            $stat = Get-Statistic @($mine | ForEach-Object { $run = $_; (@($run.ByRoute | Where-Object Key -EQ $key | ForEach-Object Count) + 0 | Measure-Object -Sum).Sum / [Math]::Max(1, $run.Delivered) })
            "$key " + (& $range $stat '{0:0.00}')
        }
        $each = ($mine | ForEach-Object { '{0:0.0} s, {1} API calls, {2} delivered' -f $_.Seconds, $_.Successful, $_.Delivered }) -join '; '
        $Details.Add(("- Calls per delivered file by method, route and status, validation {0:0.0} s, {1}: {2}. Each run: {3}." -f ($cell.DelayMs / 1000), $(if ($cell.Mode -eq 'shared') { 'one conversation' } else { 'a conversation each' }), ($routes -join '; '), $each))
    }
    $Details.Add("- **Rate limit**: the emulator limits the token to $($script:Sizes.RateRequests) requests per $($script:Sizes.RateWindowSeconds) s (a fixed window, 429 with Retry-After beyond it); one ``Send-GcFile -Deliver`` of $files files of 10 KB with the default throttle per run, after a warm-up file and a window of rest; 'one conversation' sends every file to the same conversation, 'a conversation each' gives every file its own (so no two files can share a listing call). $($script:Sizes.RateRepetitions) repetition(s) of every cell, each in a fresh emulator and worker process; rows give the median (and range) over them. The lower bound is $('{0:0}' -f $bound) s: 3 API calls per file (create, a status poll, deliver) at $perSecond requests a second; uploads to the storage host are not API calls. Calls counted from the emulator's request log (token and storage requests left out), per delivered file.")
}

function Measure-Commands {
    $folder = Join-Path $WorkPath 'commands'
    $null = New-Item -ItemType Directory -Path $folder -Force
    $count = 2 * ($script:Sizes.CommandWarmup + $script:Sizes.CommandRepetitions)
    for ($i = 1; $i -le $count; $i++) { $null = New-PdfFile (Join-Path $folder ('command-{0:000}.pdf' -f $i)) 4KB }
    $result = Use-Emulator {
        param($emulator)
        Invoke-Worker -Name Commands -Emulator $emulator -Spec @{ Folder = $folder; Warmup = $script:Sizes.CommandWarmup }
    }
    $work = @{
        'Test-GcFileTransferPayload' = 'FileTransferValidator.Validate (local checks: name, size, type by content, metadata)'
        'New-GcFileTransfer'         = 'FileTransferService.CreateAsync (validate, hash, journal, POST …/media/uploads)'
        'Send-GcFileTransferMessage' = 'FileTransferService.DeliverAsync (journal intent, POST …/messages, journal, outbox)'
    }
    foreach ($name in $work.Keys | Sort-Object { @('Test-GcFileTransferPayload', 'New-GcFileTransfer', 'Send-GcFileTransferMessage').IndexOf($_) }) {
        $cmdlet = @($result.Samples."$name|Cmdlet")
        $reference = @($result.Samples."$name|Reference")
        $over = (Get-Statistic $cmdlet).Median - (Get-Statistic $reference).Median
        # Both sides of a pair ran back to back, so the median of the pairs' differences is less swayed by load that
        # comes and goes during the run (the journal's disk flushes above all) than the difference of the medians.
        $paired = Get-Statistic @(for ($i = 0; $i -lt [Math]::Min($cmdlet.Count, $reference.Count); $i++) { $cmdlet[$i] - $reference[$i] })
        $Rows.Add((New-Row -Name "Warm per-command cost, $name" -Subject "$name (one file)" -Reference "the engine call it wraps: $($work[$name])" -Unit 'ms' `
                    -SubjectValues $cmdlet -ReferenceValues $reference -Result ('{0:+0.00;-0.00} ms over its work (median of paired differences {1:+0.00;-0.00} ms)' -f $over, $paired.Median) -Target '≤ +5 ms' -Met ($over -le 5) `
                    -Miss $(if ($over -gt 5) { 'by {0:0.00} ms' -f ($over - 5) })))
    }
    $Details.Add("- **Warm per-command cost**: one process with the module loaded and connected (journal and audit log on), $($script:Sizes.CommandRepetitions) measured pairs per command after $($script:Sizes.CommandWarmup) warm-up pairs; in each pair the cmdlet and the engine call it wraps (called from the same script, with the objects the cmdlet builds built the same way) each handle a file of their own (4 KB PDF), in a random order; wall-clock time of the one statement. New-GcFileTransfer's transfers are then uploaded and validated untimed and delivered by the Send-GcFileTransferMessage pairs (delivered: $($result.Delivered) of $(2 * $result.PerSide)). The result is the cmdlet's median minus the reference's median. Emulator validation delay 0.")
}

function Measure-Import {
    $bare = [System.Collections.Generic.List[double]]::new()
    $import = [System.Collections.Generic.List[double]]::new()
    $quoted = $ModulePath -replace "'", "''"
    $cases = @(
        @{ List = $bare; Arguments = @('pwsh', '-NoProfile', '-NonInteractive', '-Command', 'exit') }
        @{ List = $import; Arguments = @('pwsh', '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$quoted'; exit") }
    )
    # One untimed start of each first: the first start after a build pays for reading everything from disk.
    foreach ($case in $cases) { $null = Wait-Child -Child (Start-Child -Arguments $case.Arguments -LogName 'import-warm-up') -TimeoutSec 120 }
    for ($rep = 0; $rep -lt $script:Sizes.ImportRepetitions; $rep++) {
        foreach ($case in $(if ($rep % 2) { $cases[1], $cases[0] } else { $cases })) {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $exitCode = Wait-Child -Child (Start-Child -Arguments $case.Arguments -LogName 'import') -TimeoutSec 120 -TickMs 5
            $watch.Stop()
            if ($exitCode -ne 0) { throw "'dotnet $($case.Arguments -join ' ')' exited with $exitCode." }
            $case.List.Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $added = (Get-Statistic $import).Median - (Get-Statistic $bare).Median
    $Rows.Add((New-Row -Name 'Start-up' -Subject 'pwsh -NoProfile -c "Import-Module …; exit"' -Reference 'pwsh -NoProfile -c exit' -Unit 'ms' `
                -SubjectValues $import -ReferenceValues $bare -Result ('+{0:0} ms' -f $added) -Target '≤ +300 ms' -Met ($added -le 300) `
                -Miss $(if ($added -gt 300) { 'by {0:0} ms' -f ($added - 300) })))
    $Details.Add("- **Start-up**: $($script:Sizes.ImportRepetitions) alternating starts of each through ``dotnet pwsh`` (the repository's pinned PowerShell), after one untimed start of each.")
}

function Measure-Connections {
    $folder = Join-Path $WorkPath 'connections'
    $null = New-Item -ItemType Directory -Path $folder -Force
    for ($i = 1; $i -le $script:Sizes.ConnectionFiles; $i++) { $null = New-PdfFile (Join-Path $folder ('small-{0:0000}.pdf' -f $i)) 2KB }
    $peak = @{ ClientEstablished = 0; ClientTimeWait = 0; ServerTimeWait = 0 }
    $result = Use-Emulator {
        param($emulator)
        $port = ([Uri]$emulator.BaseUri).Port
        # Sampled from outside the session while it runs, so a burst of short-lived connections would show.
        $sample = {
            $snapshot = Get-TcpSnapshot $port
            foreach ($key in @($peak.Keys)) { $peak[$key] = [Math]::Max($peak[$key], $snapshot.$key) }
        }
        Invoke-Worker -Name Connections -Emulator $emulator -Spec @{ Folder = $folder; Calls = $script:Sizes.ConnectionCalls } -OnTick $sample
    }
    $first = $result.Calls[0]
    $last = $result.Calls[-1]
    # The module keeps two pools (API and storage host); each needs at most one connection per file in flight.
    $bound = 2 * ($script:DefaultThrottle + 1)
    $met = $last.ServerConnections -le $bound -and $last.ServerConnections -eq $first.ServerConnections -and $peak.ClientTimeWait -le $bound
    $Rows.Add((New-Row -Name "$($result.Files) files in $($script:Sizes.ConnectionCalls) calls, one session" -Subject 'TCP connections the emulator accepted' -Reference 'HTTP requests made' -Unit 'count' `
                -SubjectValues @($last.ServerConnections) -ReferenceValues @($last.Requests) `
                -Result ("$($last.ServerConnections) connections after call 1 and after call $($last.Call) ($($first.ServerConnections) → $($last.ServerConnections)); TIME_WAIT peak $($peak.ClientTimeWait + $peak.ServerTimeWait)") `
                -Target "constant across calls, ≤ $bound" -Met $met))
    $perCall = ($result.Calls | ForEach-Object { "$($_.Call): $($_.ServerConnections) conn / $($_.Requests) req / $($_.ClientEstablished) est / $($_.ClientTimeWait + $_.ServerTimeWait) tw" }) -join '; '
    $Details.Add("- **1,000 files**: validation delay 0, ``Send-GcFile -Deliver`` with the default throttle, $($script:Sizes.ConnectionCalls) calls of $($result.Files / $script:Sizes.ConnectionCalls) files in one session ($('{0:0.0}' -f $result.Seconds) s, $($last.Delivered) delivered). After each call (connections the emulator has accepted / requests / client sockets established, one of them the bench's own control connection / TIME_WAIT): $perCall. Sampled every 200 ms during the run: at most $($peak.ClientEstablished) established client sockets, $($peak.ClientTimeWait) client-side and $($peak.ServerTimeWait) server-side TIME_WAIT.")
}

function Measure-Listener {
    # Two receivers in child processes, each on a free loopback port: the module's listener with the journal and audit
    # log on (as it runs by default), and the bare reference. The load comes from this process, one receiver at a time,
    # in alternating rounds, so load from elsewhere falls on both.
    $source = Join-Path $PSScriptRoot 'ListenerBench.cs'
    Add-Type -Path $source
    $secret = 'bench-open-messaging-secret-0123'
    $folder = Join-Path $WorkPath 'listener'
    $null = New-Item -ItemType Directory -Path $folder -Force
    $free = {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }
    $moduleUrl = "http://127.0.0.1:$(& $free)/genesys/"
    $bareUrl = "http://127.0.0.1:$(& $free)/genesys/"
    $quotedModule = $ModulePath -replace "'", "''"
    $moduleScript = "`$env:GENESYS_WEBHOOK_SECRET = '$secret'; Import-Module '$quotedModule'; Start-GcWebhookListener -Prefix '$moduleUrl' -ThrottleLimit $($script:Sizes.ListenerConcurrency) -JournalPath '$(Join-Path $folder 'journal.db')' -AuditLogPath '$(Join-Path $folder 'audit')' | Out-Null"
    $bareScript = "Add-Type -Path '$($source -replace "'", "''")'; [GftBench.BareReceiver]::Run('$bareUrl', '$secret', $($script:Sizes.ListenerConcurrency))"
    $children = @(
        Start-Child -Arguments @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $moduleScript) -LogName 'listener-module'
        Start-Child -Arguments @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $bareScript) -LogName 'listener-bare'
    )
    $runs = @{ Module = [System.Collections.Generic.List[object]]::new(); Bare = [System.Collections.Generic.List[object]]::new() }
    try {
        $probe = [System.Net.Http.HttpClient]::new()
        foreach ($url in $moduleUrl, $bareUrl) {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { $null = $probe.GetAsync($url).GetAwaiter().GetResult(); break }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw "No receiver answered on $url within 60 s." }; Start-Sleep -Milliseconds 200 }
            }
        }
        $probe.Dispose()
        $subjects = [ordered]@{ Module = $moduleUrl; Bare = $bareUrl }
        foreach ($name in $subjects.Keys) {
            $warm = [GftBench.CallbackLoad]::Run($subjects[$name], $secret, "warm-$name", $script:Sizes.ListenerWarmup, $script:Sizes.ListenerConcurrency)
            if ($warm.Failures -gt 0) { throw "$name answered $($warm.Failures) of $($warm.Requests) warm-up callbacks with an error." }
        }
        for ($round = 0; $round -lt $script:Sizes.ListenerRounds; $round++) {
            foreach ($name in $(if ($round % 2) { 'Bare', 'Module' } else { 'Module', 'Bare' })) {
                $runs[$name].Add([GftBench.CallbackLoad]::Run($subjects[$name], $secret, "round-$round-$name", $script:Sizes.ListenerRequests, $script:Sizes.ListenerConcurrency))
            }
        }
    }
    finally {
        foreach ($child in $children) {
            if (-not $child.Process.HasExited) { $child.Process.Kill($true) }
            $null = $child.Process.WaitForExit(10000)
        }
    }
    $failures = ($runs.Module + $runs.Bare | Measure-Object -Property Failures -Sum).Sum
    $rate = Get-Statistic $runs.Module.PerSecond
    $bareRate = Get-Statistic $runs.Bare.PerSecond
    $p99 = Get-Statistic $runs.Module.P99Ms
    $max = Get-Statistic $runs.Module.MaxMs
    $name = "Listener, signed callbacks ($($script:Sizes.ListenerConcurrency) at a time)"
    $Rows.Add((New-Row -Name $name -Subject 'Start-GcWebhookListener (journal + audit on)' -Reference 'bare HttpListener + HMAC' -Unit 'callbacks/s' `
                -SubjectValues $runs.Module.PerSecond -ReferenceValues $runs.Bare.PerSecond -Result ('{0:0}/s ({1:0}% of the reference)' -f $rate.Median, (100 * $rate.Median / $bareRate.Median)) `
                -Target '≥ 3,000/s' -Met ($rate.Median -ge 3000 -and $failures -eq 0) -Miss $(if ($rate.Median -lt 3000) { 'by {0:0}/s' -f (3000 - $rate.Median) } elseif ($failures) { "$failures errors" })))
    $Rows.Add((New-Row -Name "$name, p99 latency" -Subject 'Start-GcWebhookListener (journal + audit on)' -Reference 'bare HttpListener + HMAC' -Unit 'ms' `
                -SubjectValues $runs.Module.P99Ms -ReferenceValues $runs.Bare.P99Ms -Result ('{0:0.0} ms' -f $p99.Median) -Target '≤ 15 ms' -Met ($p99.Median -le 15) `
                -Miss $(if ($p99.Median -gt 15) { 'by {0:0.0} ms' -f ($p99.Median - 15) })))
    $Rows.Add((New-Row -Name "$name, max latency" -Subject 'Start-GcWebhookListener (journal + audit on)' -Reference 'bare HttpListener + HMAC' -Unit 'ms' `
                -SubjectValues $runs.Module.MaxMs -ReferenceValues $runs.Bare.MaxMs -Result ('{0:0.0} ms' -f $max.Median) -Target '≤ 50 ms' -Met ($max.Median -le 50) `
                -Miss $(if ($max.Median -gt 50) { 'by {0:0.0} ms' -f ($max.Median - 50) })))
    $Details.Add("- **Listener**: $($script:Sizes.ListenerRounds) alternating rounds of $($script:Sizes.ListenerRequests) signed Open Messaging callbacks per receiver (after $($script:Sizes.ListenerWarmup) warm-up callbacks each: a listener runs for hours, and the runtime keeps recompiling its hot code for the first several thousand callbacks, so the rounds measure the steady state of both receivers), $($script:Sizes.ListenerConcurrency) in flight at a time from one HttpClient in the bench process; every callback is a new event carrying one attachment, so the module's listener records the event, one outbox item and audit records in the SQLite journal (synchronous commits) for each. Latency is the client's, from sending the request to reading the whole answer; p99 and max are per round, the rows give their median over rounds. Errors (non-200 answers): $failures. The receivers and the load generator share the machine's cores.")
}

function Get-MachineFacts {
    $memory = if (Test-Path /proc/meminfo) { '{0:0.0} GiB' -f ([long]([regex]::Match((Get-Content /proc/meminfo -Raw), 'MemTotal:\s+(\d+)').Groups[1].Value) / 1MB) } else { 'unknown' }
    $os = if (Test-Path /etc/os-release) { ((Get-Content /etc/os-release) -match '^PRETTY_NAME=' -replace '^PRETTY_NAME=', '' -replace '"', '') } else { [System.Runtime.InteropServices.RuntimeInformation]::OSDescription }
    $sdk = (& $dotnet --version) | Select-Object -First 1
    $pwsh = (& $dotnet pwsh -NoProfile -NonInteractive -Command '"{0} on {1}" -f $PSVersionTable.PSVersion, [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription') | Select-Object -First 1
    [ordered]@{
        'Date (UTC)'   = [DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')
        'CPU'          = "$([Environment]::ProcessorCount) logical cores$(if (Test-Path /proc/cpuinfo) { ', ' + (((Get-Content /proc/cpuinfo) -match '^model name' | Select-Object -First 1) -replace '^model name\s*:\s*', '') })"
        'Memory'       = $memory
        'OS'           = "$os, kernel $([Environment]::OSVersion.Version)"
        '.NET SDK'     = $sdk
        'PowerShell'   = $pwsh
        'Module'       = "$((Import-PowerShellDataFile -LiteralPath $ModulePath).ModuleVersion), default -ThrottleLimit $($script:DefaultThrottle)"
    }
}

function Get-LoadAverage { if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' } }

function Format-Number([double] $Value) {
    if ([double]::IsNaN($Value)) { return '' }
    if ([Math]::Abs($Value) -ge 100) { '{0:0}' -f $Value } elseif ([Math]::Abs($Value) -ge 10) { '{0:0.0}' -f $Value } else { '{0:0.00}' -f $Value }
}

function Write-Report([System.Collections.IDictionary] $Facts, [string] $LoadBefore, [string] $LoadAfter, [TimeSpan] $Elapsed) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add('<!-- bench:begin (generated by tools/Bench.ps1; edits here are overwritten) -->')
    $lines.Add('| Measurement | Subject | median | min | max | Reference | median | min | max | Unit | Result | Target | Met? |')
    $lines.Add('|---|---|---:|---:|---:|---|---:|---:|---:|---|---|---|---|')
    foreach ($row in $Rows) {
        $s = $row.SubjectStat
        $r = $row.ReferenceStat
        $met = if ($null -eq $row.Met) { '–' } elseif ($row.Met) { 'yes' } else { "no, missed $($row.Miss)" }
        $refCells = if ($r) { '{0} | {1} | {2}' -f (Format-Number $r.Median), (Format-Number $r.Min), (Format-Number $r.Max) } else { ' | | ' }
        $lines.Add(('| {0} | {1} | {2} | {3} | {4} | {5} | {6} | {7} | {8} | {9} |' -f $row.Name, $row.Subject, (Format-Number $s.Median), (Format-Number $s.Min), (Format-Number $s.Max), $row.Reference, $refCells, $row.Unit, $row.Result, $row.Target) + " $met |")
    }
    $lines.Add('')
    $lines.Add('How each was measured:')
    $lines.Add('')
    foreach ($detail in $Details) { $lines.Add($detail) }
    $lines.Add('')
    $lines.Add('Machine:')
    $lines.Add('')
    foreach ($key in $Facts.Keys) { $lines.Add("- $($key): $($Facts[$key])") }
    $lines.Add("- Load average (1, 5, 15 min) before: $LoadBefore; after: $LoadAfter. Other builds and tests may have shared the machine; every figure is a median of repetitions for that reason.")
    $lines.Add("- Bench duration: $('{0:0}' -f $Elapsed.TotalSeconds) s.")
    $lines.Add('<!-- bench:end -->')
    $generated = $lines -join "`n"

    $existing = if (Test-Path -LiteralPath $ReportPath) { Get-Content -LiteralPath $ReportPath -Raw } else { $null }
    if ($existing -and $existing -match '(?s)<!-- bench:begin.*?<!-- bench:end -->') {
        $text = [regex]::Replace($existing, '(?s)<!-- bench:begin.*?<!-- bench:end -->', { param($m) $generated })
    }
    else {
        $text = "# Benchmarks`n`nGenerated by ``build.ps1 -Task Bench`` (tools/Bench.ps1).`n`n$generated`n"
    }
    $null = New-Item -ItemType Directory -Path (Split-Path $ReportPath -Parent) -Force
    Set-Content -LiteralPath $ReportPath -Value $text.TrimEnd() -Encoding utf8
    Write-Host "Report: $ReportPath"
    Write-Host $generated
}

# The default throttle as the staged module declares it, so the report names what was measured.
$script:DefaultThrottle = & {
    $info = (& $dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$($ModulePath -replace "'", "''")'; (Get-Command Send-GcFile).ImplementingType.GetField('DefaultThrottleLimit', [Reflection.BindingFlags]'NonPublic,Static').GetValue(`$null)") | Select-Object -Last 1
    [int]$info
}

$loadBefore = Get-LoadAverage
$overall = [System.Diagnostics.Stopwatch]::StartNew()
try {
    foreach ($name in $Measurement) {
        Write-Host "==> bench $name" -ForegroundColor Cyan
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        & "Measure-$name"
        Write-Host "<== bench $name ($([int]$watch.Elapsed.TotalSeconds) s)" -ForegroundColor Cyan
    }
    Write-Report -Facts (Get-MachineFacts) -LoadBefore $loadBefore -LoadAfter (Get-LoadAverage) -Elapsed $overall.Elapsed
}
finally {
    Remove-Item -LiteralPath $WorkPath -Recurse -Force -ErrorAction SilentlyContinue
}

#endregion
