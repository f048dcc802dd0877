package osstack

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// WinHTTP constants (winhttp.h).
const (
	accessTypeDefaultProxy   = 0 // WINHTTP_ACCESS_TYPE_DEFAULT_PROXY: netsh winhttp proxy
	accessTypeAutomaticProxy = 4 // WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY: WinHTTP and IE settings, PAC (Windows 8.1+)
	flagSecure               = 0x00800000
	queryStatusCode          = 19
	queryFlagNumber          = 0x20000000
	optionSecurityFlags      = 31     // WINHTTP_OPTION_SECURITY_FLAGS
	optionReceiveResponse    = 7      // WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, in milliseconds
	optionServerCertContext  = 78     // WINHTTP_OPTION_SERVER_CERT_CONTEXT: the server's certificate, once TLS is up
	securityIgnoreUnknownCA  = 0x0100 // SECURITY_FLAG_IGNORE_UNKNOWN_CA
)

// options tune a request; the zero value is what qadoctor uses.
type options struct {
	// ignoreUnknownCA lets tests reach a server whose test CA no root
	// store holds, without writing the registry.
	ignoreUnknownCA bool
}

func request(ctx context.Context, rawURL string) facts.OSStack {
	return requestWith(ctx, rawURL, options{})
}

// requestWith's result is named so that its deferred calls (the duration,
// whether the secure channel was made) reach what it returns.
func requestWith(ctx context.Context, rawURL string, opt options) (res facts.OSStack) {
	res = facts.OSStack{URL: rawURL}
	start := time.Now()
	defer func() { res.DurationMS = float64(time.Since(start).Microseconds()) / 1000 }()
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		res.State, res.Error = facts.OSStackFailed, fmt.Sprintf("not an https URL: %q", rawURL)
		return res
	}
	port := 443
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	path := u.RequestURI()

	// WinHTTP calls block; run them aside and give up at the deadline,
	// closing the session (which makes the pending call return).
	type outcome struct {
		status int
		err    error
	}
	done := make(chan outcome, 1)
	var session handle
	sessionReady := make(chan struct{})
	var secure atomic.Bool // read at the deadline while the call may still run
	go func() {
		status, err := do(ctx, u.Hostname(), uint16(port), path, opt, func(h handle) { session = h; close(sessionReady) }, func() { secure.Store(true) })
		done <- outcome{status, err}
	}()
	defer func() { res.SecureChannel = secure.Load() }()
	select {
	case o := <-done:
		res.StatusCode = o.status
		if o.err != nil {
			res.State = facts.OSStackFailed
			res.Error = o.err.Error()
			var errno windows.Errno
			if errors.As(o.err, &errno) {
				res.ErrorCode = uint32(errno)
				res.ErrorName, res.Meaning = describeError(uint32(errno))
				if res.ErrorCode == errTimeout {
					res.State = facts.OSStackTimeout
				}
			}
			return res
		}
		res.State = facts.OSStackOK
	case <-ctx.Done():
		select {
		case <-sessionReady:
			winHttpCloseHandle(session)
		default:
		}
		res.State, res.Error = facts.OSStackTimeout, "no answer through WinHTTP before the deadline"
		res.ErrorName, res.Meaning = describeError(errTimeout)
	}
	return res
}

// do performs the request and returns the HTTP status code. It calls
// opened with the session handle, and sent once SCHANNEL has made the
// secure channel: the connection and the handshake, the certificate's
// check included, happen in WinHttpSendRequest, whose errors are the
// secure ones (ERROR_WINHTTP_SECURE_FAILURE,
// ERROR_WINHTTP_SECURE_CHANNEL_ERROR…;
// learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpsendrequest),
// and after it the request holds the server's certificate
// (WINHTTP_OPTION_SERVER_CERT_CONTEXT, learn.microsoft.com/windows/win32/winhttp/option-flags).
func do(ctx context.Context, host string, port uint16, path string, opt options, opened func(handle), sent func()) (int, error) {
	agent, _ := windows.UTF16PtrFromString("qadoctor")
	session, err := winHttpOpen(agent, accessTypeAutomaticProxy, nil, nil, 0)
	if err != nil {
		// Before Windows 8.1 there is no automatic proxy: use the WinHTTP one.
		session, err = winHttpOpen(agent, accessTypeDefaultProxy, nil, nil, 0)
		if err != nil {
			return 0, fmt.Errorf("WinHttpOpen: %w", err)
		}
	}
	opened(session)
	defer winHttpCloseHandle(session)
	if dl, ok := ctx.Deadline(); ok {
		ms := int32(max(time.Until(dl).Milliseconds(), 1))
		winHttpSetTimeouts(session, ms, ms, ms, ms)
	}
	server, _ := windows.UTF16PtrFromString(host)
	conn, err := winHttpConnect(session, server, port, 0)
	if err != nil {
		return 0, fmt.Errorf("WinHttpConnect: %w", err)
	}
	defer winHttpCloseHandle(conn)
	verb, _ := windows.UTF16PtrFromString("GET")
	object, _ := windows.UTF16PtrFromString(path)
	req, err := winHttpOpenRequest(conn, verb, object, nil, nil, nil, flagSecure)
	if err != nil {
		return 0, fmt.Errorf("WinHttpOpenRequest: %w", err)
	}
	defer winHttpCloseHandle(req)
	if opt.ignoreUnknownCA {
		flags := uint32(securityIgnoreUnknownCA)
		if err := winHttpSetOption(req, optionSecurityFlags, unsafe.Pointer(&flags), 4); err != nil {
			return 0, fmt.Errorf("WinHttpSetOption: %w", err)
		}
	}
	// The answer waits at most AnswerBound (the handshake keeps the
	// session's timeouts): set before sending, since Wine's WinHTTP reads
	// the answer within WinHttpSendRequest itself.
	bound := uint32(AnswerBound.Milliseconds())
	if err := winHttpSetOption(req, optionReceiveResponse, unsafe.Pointer(&bound), 4); err != nil {
		return 0, fmt.Errorf("WinHttpSetOption: %w", err)
	}
	err = winHttpSendRequest(req, nil, 0, 0, 0, 0, 0)
	// The channel was made when the call succeeded, or ran out of time
	// only waiting for the answer (Wine), and WinHTTP holds the server's
	// certificate, which it has only once TLS is up: through a proxy the
	// call may have gone only as far as a CONNECT that was refused (407).
	// After a secure error the certificate is there too (to show what was
	// refused), and the channel was not made.
	var cert *windows.CertContext
	size := uint32(unsafe.Sizeof(cert))
	if (err == nil || errors.Is(err, windows.Errno(errTimeout))) &&
		winHttpQueryOption(req, optionServerCertContext, unsafe.Pointer(&cert), &size) == nil && cert != nil {
		windows.CertFreeCertificateContext(cert)
		sent()
	}
	if err != nil {
		return 0, fmt.Errorf("WinHttpSendRequest: %w", err)
	}
	if err := winHttpReceiveResponse(req, 0); err != nil {
		return 0, fmt.Errorf("WinHttpReceiveResponse: %w", err)
	}
	var buf [4]byte
	size = uint32(len(buf))
	if err := winHttpQueryHeaders(req, queryStatusCode|queryFlagNumber, nil, &buf[0], &size, nil); err != nil {
		return 0, fmt.Errorf("WinHttpQueryHeaders: %w", err)
	}
	return int(binary.LittleEndian.Uint32(buf[:])), nil
}
