// Shaped like the PAC Microsoft's Get-PacFile script writes: Microsoft 365
// "Optimize" and "Allow" hosts direct, the rest to the company proxy.
var direct = "DIRECT";
var proxyServer = "PROXY 10.10.10.10:8080";

function FindProxyForURL(url, host)
{
    if(typeof host === "undefined"
        || isPlainHostName(host)
        || shExpMatch(host, "127.0.0.1")
        || shExpMatch(host, "localhost"))
    {
        return direct;
    }

    host = host.toLowerCase();

    if(shExpMatch(host, "*.lync.com")
        || shExpMatch(host, "*.teams.microsoft.com")
        || shExpMatch(host, "teams.microsoft.com")
        || shExpMatch(host, "login.microsoftonline.com")
        || shExpMatch(host, "*.live.com"))
    {
        return direct;
    }

    return proxyServer;
}
