# Intune Win32 app uninstall script for qadoctor: removes the exe and its
# folder. The fix journals under ProgramData stay, so undo still works.
# Uninstall command: powershell.exe -NoProfile -ExecutionPolicy Bypass -File uninstall.ps1
$ErrorActionPreference = 'Stop'
$dir = Join-Path $env:ProgramFiles 'qadoctor'
if (Test-Path -LiteralPath $dir) {
    Remove-Item -LiteralPath $dir -Recurse -Force
}
Write-Output "qadoctor removed from ${dir}"
exit 0
