# Intune Remediations detection script for Quick Assist's secure channel.
# Deploy with "Run this script using the logged-on credentials: No" (SYSTEM)
# and "Run script in 64-bit PowerShell: Yes". Save as UTF-8 without BOM
# (this file is plain ASCII).
# Intune runs the remediation only when this exits 1
# (learn.microsoft.com/mem/intune/fundamentals/remediations): qadoctor exits 1
# only when the repairs in $Allow can change something. Other failures
# (offline DNS, a blocked endpoint) are named in the line with exit 0; add
# --strict for a reporting-only deployment that flags any failed check.
# Keep $Allow the same as in remediate.ps1.
$ErrorActionPreference = 'Stop'
$Allow = 'os.schannel,os.winhttp,os.dotnet,clock.settings,clock.offset'
# Under Program Files, which only administrators can write: Intune runs this
# as SYSTEM, so the exe must not be one a user could replace.
$exe = Join-Path $env:ProgramFiles 'qadoctor\qadoctor.exe'
if (-not (Test-Path -LiteralPath $exe)) {
    Write-Output "qadoctor NOT COMPLIANT: qadoctor.exe not found at ${exe}; deploy the qadoctor Win32 app first"
    exit 1
}
# One line, at most 2,048 characters, naming the failing checks.
& $exe intune detect --allow $Allow --timeout 30s
exit $LASTEXITCODE
