package osstack

import (
	"fmt"

	"github.com/qadoctor/qadoctor/internal/i18n"
)

// WinHTTP error codes that say why a request failed (winhttp.h;
// learn.microsoft.com/windows/win32/winhttp/error-messages).
const (
	errTimeout = 12002
)

var winhttpErrors = map[uint32][2]string{
	12002: {"ERROR_WINHTTP_TIMEOUT", i18n.Key("the request timed out")},
	12005: {"ERROR_WINHTTP_INVALID_URL", i18n.Key("the URL is invalid")},
	12007: {"ERROR_WINHTTP_NAME_NOT_RESOLVED", i18n.Key("the server name could not be resolved")},
	12029: {"ERROR_WINHTTP_CANNOT_CONNECT", i18n.Key("the connection to the server (or the proxy) failed")},
	12030: {"ERROR_WINHTTP_CONNECTION_ERROR", i18n.Key("the connection was reset or closed, often during the TLS handshake: a protocol or cipher mismatch, or a middlebox cutting it")},
	12038: {"ERROR_WINHTTP_SECURE_CERT_CN_INVALID", i18n.Key("the certificate is for another name")},
	12037: {"ERROR_WINHTTP_SECURE_CERT_DATE_INVALID", i18n.Key("the certificate is expired or not yet valid (check the clock)")},
	12044: {"ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED", i18n.Key("the server asks for a client certificate")},
	12045: {"ERROR_WINHTTP_SECURE_INVALID_CA", i18n.Key("the certificate chains to a root this PC does not trust (TLS inspection?)")},
	12057: {"ERROR_WINHTTP_SECURE_CERT_REV_FAILED", i18n.Key("the certificate's revocation could not be checked")},
	12152: {"ERROR_WINHTTP_INVALID_SERVER_RESPONSE", i18n.Key("the server's answer is not valid HTTP")},
	12157: {"ERROR_WINHTTP_SECURE_CHANNEL_ERROR", i18n.Key("SCHANNEL could not build the TLS channel: no protocol version or cipher suite in common (check os.schannel and os.cipher-policy), or the certificate was refused")},
	12167: {"ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT", i18n.Key("the proxy auto-config (PAC) script could not be downloaded")},
	12169: {"ERROR_WINHTTP_SECURE_INVALID_CERT", i18n.Key("the certificate is invalid")},
	12175: {"ERROR_WINHTTP_SECURE_FAILURE", i18n.Key("the certificate was rejected: untrusted, wrong name, expired or revoked")},
	12178: {"ERROR_WINHTTP_AUTODETECTION_FAILED", i18n.Key("WPAD found no proxy configuration")},
	12180: {"ERROR_WINHTTP_AUTODETECTION_FAILED", i18n.Key("proxy auto-detection failed")},
	12185: {"ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE", i18n.Key("the certificate is not for server authentication")},
}

// describeError names a WinHTTP error code and says what it means (in
// English, marked for the catalog: the checks translate it when shown).
func describeError(code uint32) (name, meaning string) {
	if e, ok := winhttpErrors[code]; ok {
		return e[0], e[1]
	}
	return fmt.Sprintf("error %d", code), i18n.Key("see learn.microsoft.com/windows/win32/winhttp/error-messages")
}
