# Intune Remediations detection script for Quick Assist's secure channel.
# Deploy with "Run this script using the logged-on credentials: No" (SYSTEM)
# and "Run script in 64-bit PowerShell: Yes". Save as UTF-8 without BOM.
# Intune runs the remediation only when this exits 1
# (learn.microsoft.com/mem/intune/fundamentals/remediations).
$ErrorActionPreference = 'Stop'
# Under Program Files, which only administrators can write: Intune runs this
# as SYSTEM, so the exe must not be one a user could replace.
$exe = Join-Path $env:ProgramFiles 'qadoctor\qadoctor.exe'
if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "qadoctor.exe not found at ${exe}: deploy it first (Win32 app or file copy)"
    exit 0 # cannot judge: do not trigger a remediation that cannot run either
}
# One line, at most 2,048 characters, naming the failing checks.
& $exe intune detect --timeout 30s
exit $LASTEXITCODE
