# Intune Remediations remediation script for Quick Assist's secure channel.
# Applies only the repairs listed in $Allow (approve them with your change
# board), journaled under %ProgramData%\qadoctor\journal; `qadoctor undo`
# restores them. Same deployment settings as detect.ps1.
$ErrorActionPreference = 'Stop'
$Allow = 'os.schannel,os.winhttp,os.dotnet,clock.settings,clock.offset'
$exe = Join-Path $env:ProgramData 'qadoctor\qadoctor.exe'
if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "qadoctor.exe not found at $exe"
    exit 1
}
& $exe intune remediate --allow $Allow --timeout 30s
exit $LASTEXITCODE
