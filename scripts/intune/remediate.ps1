# Intune Remediations remediation script for Quick Assist's secure channel.
# Applies only the repairs listed in $Allow (approve them with your change
# board), journaled under %ProgramData%\qadoctor\journal; `qadoctor undo`
# restores them. Same deployment settings as detect.ps1.
$ErrorActionPreference = 'Stop'
$Allow = 'os.schannel,os.winhttp,os.dotnet,clock.settings,clock.offset'
# Under Program Files, which only administrators can write: Intune runs this
# as SYSTEM, so the exe must not be one a user could replace.
$exe = Join-Path $env:ProgramFiles 'qadoctor\qadoctor.exe'
if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "qadoctor.exe not found at $exe"
    exit 1
}
& $exe intune remediate --allow $Allow --timeout 30s
exit $LASTEXITCODE
