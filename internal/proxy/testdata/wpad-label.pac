WPAD:
function FindProxyForURL(url, host)
{
	// Shaped like a public administration's PAC as deployed: the "WPAD:"
	// label above the function is in the original. Browsers run it (a
	// labelled function declaration, ECMAScript Annex B.3.2).
	var h = host.toLowerCase();

	// Lokale Namen und das Behördennetz: direkt
	if (isPlainHostName(h) || dnsDomainIs(h, ".verwaltung.example") || h == "127.0.0.1")
		return "DIRECT";
	if (shExpMatch(h, "10.*") || shExpMatch(h, "192.168.*"))
		return "DIRECT";

	// Microsoft-Dienste über den Proxy, mit direktem Ausweg
	if (dnsDomainIs(h, ".microsoft.com") || dnsDomainIs(h, ".microsoftonline.com") || dnsDomainIs(h, ".azure.com"))
		return "PROXY proxy.verwaltung.example:8080; DIRECT";

	return "PROXY proxy.verwaltung.example:8080; DIRECT";
}
