package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"
)

// HandshakeConfig is what a TLS probe offers and how it checks the answer.
type HandshakeConfig struct {
	ServerName   string
	MinVersion   uint16
	MaxVersion   uint16   // 0: the highest crypto/tls supports
	CipherSuites []uint16 // nil: crypto/tls's defaults
	// Curves are the key exchanges offered, in order; nil: crypto/tls's
	// defaults, which since Go 1.24 put the post-quantum X25519MLKEM768
	// first, as Chromium since 131 (and so WebView2) does.
	Curves     []tls.CurveID
	NextProtos []string
	// Verify checks the served chain against Roots for ServerName. The
	// handshake goes on when verification fails, so the chain and the
	// negotiated parameters are still recorded.
	Verify bool
	Roots  *x509.CertPool   // nil: the system roots
	Now    func() time.Time // nil: time.Now; the clock used to judge validity
	// KeepOpen leaves the connection open after a successful handshake and
	// returns it in HandshakeResult.Conn; the caller closes it. The
	// diagnosis's HTTP request reuses it.
	KeepOpen bool
	// AcceptedIsEnough ends the handshake as soon as the server has chosen
	// a version and a suite and sent its certificate: enough to know the
	// version is accepted, and one round trip sooner for TLS 1.2 and older.
	AcceptedIsEnough bool
}

// ClassicCurves are the key exchanges of a ClientHello from before the
// post-quantum share: without X25519MLKEM768's 1,184-byte key share the
// hello is about 250 bytes, one small segment.
var ClassicCurves = []tls.CurveID{tls.X25519, tls.CurveP256}

// RefusedSuites is what a probe offers to be refused: RC4, which RFC 7465
// prohibits and no current server grants, so the answer is a handshake
// failure alert of a few bytes.
var RefusedSuites = []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}

// errEnough aborts a handshake that has shown what it had to.
var errEnough = errors.New("handshake ended early: the server accepted the offer")

// HandshakeResult is what one handshake showed.
type HandshakeResult struct {
	State     tls.ConnectionState
	Chain     []*x509.Certificate // as served, leaf first; set even when verification failed
	VerifyErr error               // why the chain did not verify; nil when it did or Verify was off
	Conn      *tls.Conn           // the open connection, with KeepOpen
	BytesRead int64
	BytesSent int64
	HelloSize int64 // what was sent before the server's first byte: the ClientHello
}

// Handshake runs a TLS client handshake over conn and closes conn when
// done. Nothing but the handshake is ever sent on the connection, which is
// why crypto/tls's own verification can be replaced by ours: we want the
// chain and the reason, not an aborted handshake.
func Handshake(ctx context.Context, conn net.Conn, hc HandshakeConfig) (HandshakeResult, error) {
	var res HandshakeResult
	cc := NewCountingConn(conn, MaxHandshakeBytes)
	keep := false
	defer func() {
		if !keep {
			cc.Close()
		}
	}()
	now := hc.Now
	if now == nil {
		now = time.Now
	}
	cfg := &tls.Config{
		ServerName:         hc.ServerName,
		MinVersion:         hc.MinVersion,
		MaxVersion:         hc.MaxVersion,
		CipherSuites:       hc.CipherSuites,
		CurvePreferences:   hc.Curves,
		NextProtos:         hc.NextProtos,
		InsecureSkipVerify: true, // verified below, in VerifyConnection, without aborting
		Time:               now,
		VerifyConnection: func(cs tls.ConnectionState) error {
			res.Chain = cs.PeerCertificates
			if hc.Verify {
				res.VerifyErr = verify(cs.PeerCertificates, hc.ServerName, hc.Roots, now())
			}
			if hc.AcceptedIsEnough {
				res.State = cs
				return errEnough
			}
			return nil
		},
	}
	tc := tls.Client(cc, cfg)
	err := tc.HandshakeContext(ctx)
	res.BytesRead, res.BytesSent, res.HelloSize = cc.BytesRead(), cc.BytesWritten(), cc.FirstFlight()
	if hc.AcceptedIsEnough && errors.Is(err, errEnough) {
		return res, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return res, err
	}
	res.State = tc.ConnectionState()
	if hc.KeepOpen {
		res.Conn, keep = tc, true
	}
	return res, nil
}

func verify(chain []*x509.Certificate, name string, roots *x509.CertPool, now time.Time) error {
	if len(chain) == 0 {
		return x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign, Detail: "the server sent no certificate"}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		DNSName:       name,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
	})
	return err
}
