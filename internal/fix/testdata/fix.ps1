#Requires -RunAsAdministrator
# Written by qadoctor fix --export ps1. Review before deploying.
# Run it to apply the repairs; run it with -Undo to put the prior values back.
param([switch]$Undo)
$ErrorActionPreference = 'Stop'

function Set-Value($Key, $Name, $Type, $Value) {
  if (-not (Test-Path -LiteralPath $Key)) { New-Item -Path $Key -Force | Out-Null }
  New-ItemProperty -LiteralPath $Key -Name $Name -PropertyType $Type -Value $Value -Force | Out-Null
}
function Remove-Value($Key, $Name) {
  Remove-ItemProperty -LiteralPath $Key -Name $Name -ErrorAction SilentlyContinue
}

if ($Undo) {
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' 'Enabled' DWord 0x0
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' 'DisabledByDefault' DWord 0x1
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp' 'DefaultSecureProtocols' DWord 0x80
  Remove-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.3\Client' 'Enabled'
} else {
  # schannel.tls12-on (os.schannel): TLS 1.2 on
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' 'Enabled' DWord 0x1
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' 'DisabledByDefault' DWord 0x0
  # winhttp.tls12-on (os.winhttp): WinHTTP
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp' 'DefaultSecureProtocols' DWord 0xa80
  # new.key (os.other): a key that does not exist yet
  Set-Value 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.3\Client' 'Enabled' DWord 0x1
  & 'w32tm' '/resync' '/force'
}
