package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/pion/stun/v3"
)

// RelayResult is a TURN relay's answer to one STUN request.
type RelayResult struct {
	Method    string // "allocate" or "binding"
	Class     string // "success" or "error"
	ErrorCode int    // the ERROR-CODE attribute's code (401: credentials needed)
	Realm     string
	Software  string
	Mapped    string // XOR-MAPPED-ADDRESS, this PC's address as the relay saw it
}

// MaxSTUNBytes caps a STUN answer read from a relay. A 401 to an Allocate
// is about a hundred bytes; a message is at most 64 KiB by its 16-bit
// length, and a relay that sends more than a few KiB is not answering
// this request.
const MaxSTUNBytes = 8 << 10

// stunHeaderSize is a STUN message's fixed header (RFC 8489 section 5).
const stunHeaderSize = 20

// ErrNotSTUN is an answer that is not a STUN message: the peer speaks
// another protocol (a web server's "HTTP/1.1 400", a proxy's error page).
var ErrNotSTUN = errors.New("the answer is not a STUN message")

// Allocate sends an unauthenticated TURN Allocate request for a UDP relay
// (RFC 8656 section 7.1) on conn, a stream to the relay (TURN over TLS on
// 443, as a client behind a firewall that lets only 443 out uses it), and
// reads the answer, which over a stream is framed by the STUN header's
// length (RFC 8489 section 6.2.2). A live relay answers 401 with its REALM
// and a NONCE (the long-term credential mechanism, RFC 8489 section 9.2):
// it is alive and wants the credentials Quick Assist gets from the service.
func Allocate(ctx context.Context, conn net.Conn) (RelayResult, error) {
	req, err := stun.Build(stun.TransactionID,
		stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		// REQUESTED-TRANSPORT: UDP (protocol 17), the only one RFC 8656 allocates.
		stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}},
		stun.NewSoftware("qadoctor"),
		stun.Fingerprint)
	if err != nil {
		return RelayResult{}, fmt.Errorf("build the TURN Allocate: %w", err)
	}
	return exchangeSTUN(ctx, conn, req, readStreamSTUN)
}

// Binding sends a STUN Binding request on conn, a UDP socket to the relay's
// STUN port, and reads the answer. UDP may drop either datagram: one try,
// bounded by ctx, says only whether an answer came.
func Binding(ctx context.Context, conn net.Conn) (RelayResult, error) {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.NewSoftware("qadoctor"), stun.Fingerprint)
	if err != nil {
		return RelayResult{}, fmt.Errorf("build the STUN Binding: %w", err)
	}
	return exchangeSTUN(ctx, conn, req, readDatagramSTUN)
}

func exchangeSTUN(ctx context.Context, conn net.Conn, req *stun.Message, read func(net.Conn) ([]byte, error)) (RelayResult, error) {
	var res RelayResult
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(req.Raw); err != nil {
		return res, fmt.Errorf("send the STUN request: %w", err)
	}
	for {
		raw, err := read(conn)
		if err != nil {
			return res, err
		}
		m := &stun.Message{Raw: raw}
		if err := m.Decode(); err != nil {
			return res, fmt.Errorf("%w: %v", ErrNotSTUN, err)
		}
		if m.TransactionID != req.TransactionID {
			continue // an answer to someone else's request (UDP), or a stray indication
		}
		return describeSTUN(m), nil
	}
}

// readStreamSTUN reads one STUN message from a stream.
func readStreamSTUN(conn net.Conn) ([]byte, error) {
	head := make([]byte, stunHeaderSize)
	if _, err := io.ReadFull(conn, head); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || (errors.Is(err, io.EOF)) {
			return nil, fmt.Errorf("the relay closed the connection before a whole STUN header: %w", err)
		}
		return nil, err
	}
	if !stun.IsMessage(head) || head[0]&0xc0 != 0 {
		return nil, fmt.Errorf("%w (it starts %q)", ErrNotSTUN, printable(head))
	}
	n := int(binary.BigEndian.Uint16(head[2:4]))
	if stunHeaderSize+n > MaxSTUNBytes {
		return nil, fmt.Errorf("the relay announced a %d-byte STUN answer; more than %d is not an answer to this request", stunHeaderSize+n, MaxSTUNBytes)
	}
	raw := make([]byte, stunHeaderSize+n)
	copy(raw, head)
	if _, err := io.ReadFull(conn, raw[stunHeaderSize:]); err != nil {
		return nil, fmt.Errorf("read the STUN answer: %w", err)
	}
	return raw, nil
}

// readDatagramSTUN reads one datagram.
func readDatagramSTUN(conn net.Conn) ([]byte, error) {
	buf := make([]byte, MaxSTUNBytes)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	if !stun.IsMessage(buf[:n]) {
		return nil, fmt.Errorf("%w (it starts %q)", ErrNotSTUN, printable(buf[:min(n, stunHeaderSize)]))
	}
	return buf[:n], nil
}

func describeSTUN(m *stun.Message) RelayResult {
	var res RelayResult
	switch m.Type.Method {
	case stun.MethodAllocate:
		res.Method = "allocate"
	case stun.MethodBinding:
		res.Method = "binding"
	default:
		res.Method = fmt.Sprintf("0x%03x", uint16(m.Type.Method))
	}
	switch m.Type.Class {
	case stun.ClassSuccessResponse:
		res.Class = "success"
	case stun.ClassErrorResponse:
		res.Class = "error"
	default:
		res.Class = m.Type.Class.String()
	}
	var code stun.ErrorCodeAttribute
	if code.GetFrom(m) == nil {
		res.ErrorCode = int(code.Code)
	}
	var realm stun.Realm
	if realm.GetFrom(m) == nil {
		res.Realm = clip(string(realm))
	}
	var sw stun.Software
	if sw.GetFrom(m) == nil {
		res.Software = clip(string(sw))
	}
	var mapped stun.XORMappedAddress
	if mapped.GetFrom(m) == nil {
		res.Mapped = mapped.String()
	}
	return res
}

// maxSTUNText caps the text attributes kept from an answer: REALM and
// SOFTWARE are at most 128 characters (RFC 8489 sections 14.9 and 14.14).
const maxSTUNText = 128 * 4

// clip keeps at most maxSTUNText bytes of s, as valid UTF-8.
func clip(s string) string {
	if len(s) > maxSTUNText {
		s = s[:maxSTUNText]
	}
	return strings.ToValidUTF8(s, "")
}

// printable shows the first bytes of a non-STUN answer as text a report
// can quote (the escape package makes it safe to print).
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < ' ' || c > '~' {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
