// Shaped like the default PAC a Zscaler tenant serves: private ranges and
// plain names direct, everything else to the nearest gateway with a
// fallback, and a few SaaS exemptions by URL pattern.
function FindProxyForURL(url, host) {
  var privateIP = /^(0|10|127|192\.168|172\.1[6789]|172\.2[0-9]|172\.3[01]|169\.254|192\.88\.99)\.[0-9.]+$/;
  var resolved_ip = dnsResolve(host);
  if (isPlainHostName(host) || isInNet(resolved_ip, "192.0.2.0", "255.255.255.0") || privateIP.test(resolved_ip))
    return "DIRECT";
  if (shExpMatch(url, "*://*.support.services.microsoft.com/*"))
    return "DIRECT";
  if (url.substring(0, 4) == "ftp:")
    return "DIRECT";
  return "PROXY gateway.zscaler.net:80; PROXY secondary.gateway.zscaler.net:80; DIRECT";
}
