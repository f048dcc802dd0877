# Intune Win32 app install script for qadoctor: puts qadoctor.exe, packaged
# beside this script, under Program Files, which only administrators can
# write (the Remediation scripts run it as SYSTEM).
# Install command: powershell.exe -NoProfile -ExecutionPolicy Bypass -File install.ps1
# Install behavior: System. Plain ASCII, as Windows PowerShell 5.1 needs.
$ErrorActionPreference = 'Stop'
$source = Join-Path $PSScriptRoot 'qadoctor.exe'
$dir = Join-Path $env:ProgramFiles 'qadoctor'
if (-not (Test-Path -LiteralPath $source)) {
    Write-Output "qadoctor.exe is not in the package next to ${PSCommandPath}"
    exit 1
}
New-Item -ItemType Directory -Path $dir -Force | Out-Null
Copy-Item -LiteralPath $source -Destination (Join-Path $dir 'qadoctor.exe') -Force
$version = (Get-Item -LiteralPath (Join-Path $dir 'qadoctor.exe')).VersionInfo.FileVersion
Write-Output "qadoctor $version installed in ${dir}"
exit 0
