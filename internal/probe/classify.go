package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// TLS alert numbers from RFC 8446 section 6.
const (
	alertHandshakeFailure = 40
	alertProtocolVersion  = 70
	alertInsufficientSec  = 71
)

// ClassifyDNS names the kind of a lookup failure: the name does not exist,
// the server failed, or nothing answered in time.
func ClassifyDNS(err error) string {
	var de *net.DNSError
	switch {
	case err == nil:
		return ""
	case isTimeout(err):
		return facts.KindTimeout
	case errors.As(err, &de) && de.IsNotFound:
		return facts.KindNXDomain
	case errors.As(err, &de) && strings.Contains(de.Err, "server misbehaving"):
		// The Go resolver reports SERVFAIL and REFUSED answers this way.
		return facts.KindServFail
	case errors.As(err, &de) && strings.Contains(de.Err, "no addresses"):
		return facts.KindNoAddress
	case errors.As(err, &de) && strings.Contains(de.Err, "cannot unmarshal DNS message"):
		// Go's resolver got bytes it cannot parse as DNS: a broken
		// server or something in the path rewriting the answer.
		return facts.KindMalformed
	}
	return facts.KindOther
}

// ClassifyNet names the kind of a TCP failure.
func ClassifyNet(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.As(err, new(*ProxyError)):
		var pe *ProxyError
		errors.As(err, &pe)
		if pe.Kind == KindProxyDead && isTimeout(pe.Err) {
			return KindProxyTimeout
		}
		return pe.Kind
	case IsDropped(err):
		// Before the timeout it wraps: the attempt's own bound, not the
		// run's deadline, ended it.
		return facts.KindDropped
	case isTimeout(err):
		return facts.KindTimeout
	case errors.Is(err, ErrTooLarge):
		return facts.KindTooLarge
	case errors.Is(err, ErrNotSTUN):
		return facts.KindNotStun
	case isRefused(err):
		return facts.KindRefused
	case isUnreachable(err):
		return facts.KindUnreachable
	case isReset(err):
		return facts.KindReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return facts.KindClosed
	}
	return facts.KindOther
}

// ClassifyTLS names the kind of a handshake failure: an alert the peer
// sent, a version it chose that we did not offer, an answer that is not
// TLS at all, or a connection-level failure.
func ClassifyTLS(err error) string {
	if err == nil {
		return ""
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		switch alert {
		case alertProtocolVersion, alertInsufficientSec:
			return facts.KindProtocol
		case alertHandshakeFailure:
			return facts.KindHandshake
		}
		return facts.KindAlert
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) {
		return facts.KindNotTLS
	}
	msg := err.Error()
	switch {
	// crypto/tls has no typed errors for these; its messages are stable
	// across releases ("tls: server selected unsupported protocol version").
	case strings.Contains(msg, "unsupported protocol version"),
		strings.Contains(msg, "protocol version not supported"),
		strings.Contains(msg, "downgrade attempt"):
		return facts.KindProtocol
	case strings.Contains(msg, "no cipher suite supported"),
		strings.Contains(msg, "handshake failure"),
		strings.Contains(msg, "unsupported curve"):
		return facts.KindHandshake
	case strings.Contains(msg, "unexpected message"),
		strings.Contains(msg, "first record does not look like a TLS handshake"),
		strings.Contains(msg, "oversized record"):
		return facts.KindNotTLS
	}
	return ClassifyNet(err)
}

// ClassifyVerify names why a chain did not verify.
func ClassifyVerify(err error) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ua) && strings.Contains(ua.Error(), "insecure algorithm"):
		// The issuer is known, but its signature on the certificate uses
		// an algorithm crypto/x509 refuses (SHA-1), as Chromium does
		// (ERR_CERT_WEAK_SIGNATURE_ALGORITHM, net/base/net_error_list.h):
		// crypto/x509 says so only in the unknown-authority error's text.
		return "weak-signature"
	case errors.As(err, &ua):
		return "unknown-authority"
	case errors.As(err, &hn):
		return "hostname"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		// crypto/x509 uses Expired for both ends of the validity window.
		if strings.Contains(ci.Detail, "before") {
			return "not-yet-valid"
		}
		return "expired"
	case errors.As(err, &ci):
		return "invalid"
	}
	return "invalid"
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || isPlatformRefused(err)
}

func isUnreachable(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.EADDRNOTAVAIL) || isPlatformUnreachable(err)
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || isPlatformReset(err)
}
