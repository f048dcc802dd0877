package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pion/stun/v3"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// answerWith is a relay that reads one request and answers with what
// reply makes of it.
func answerWith(reply func(req *stun.Message) []byte) func(net.Conn) {
	return func(c net.Conn) {
		head := make([]byte, stunHeaderSize)
		if _, err := io.ReadFull(c, head); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint16(head[2:4]))
		io.ReadFull(c, body)
		req := &stun.Message{Raw: append(head, body...)}
		if req.Decode() != nil {
			return
		}
		c.Write(reply(req))
		io.Copy(io.Discard, c) // then holds the connection until it is closed
	}
}

// unauthorized is what a relay with long-term credentials answers an
// Allocate without them (RFC 8489 section 9.2.4).
func unauthorized(realm string) func(*stun.Message) []byte {
	return func(req *stun.Message) []byte {
		// A raw attribute: a hostile relay is not held to pion's limits.
		m := stun.MustBuild(stun.NewTransactionIDSetter(req.TransactionID),
			stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse),
			stun.CodeUnauthorized, stun.RawAttribute{Type: stun.AttrRealm, Value: []byte(realm)}, stun.NewNonce("n0nce"), stun.NewSoftware("test relay"), stun.Fingerprint)
		return m.Raw
	}
}

func TestAllocateAgainstHostileRelays(t *testing.T) {
	tests := []struct {
		name    string
		handler func(net.Conn)
		kind    string // "" for an answer
		check   func(t *testing.T, res RelayResult)
	}{
		{"401 with a realm", answerWith(unauthorized("example.test")), "", func(t *testing.T, res RelayResult) {
			if res.Method != "allocate" || res.Class != "error" || res.ErrorCode != 401 || res.Realm != "example.test" || res.Software != "test relay" {
				t.Errorf("result = %+v; want allocate error 401 in realm example.test from test relay", res)
			}
		}},
		{"a realm far longer than STUN allows is cut", answerWith(unauthorized(strings.Repeat("é", 1000))), "", func(t *testing.T, res RelayResult) {
			if len(res.Realm) > maxSTUNText || !utf8.ValidString(res.Realm) {
				t.Errorf("realm of %d bytes (valid UTF-8: %v); want at most %d, valid", len(res.Realm), utf8.ValidString(res.Realm), maxSTUNText)
			}
		}},
		{"an answer to another transaction, then silence", answerWith(func(req *stun.Message) []byte {
			return stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse), stun.CodeUnauthorized).Raw
		}), facts.KindTimeout, nil},
		{"a web server's 400", func(c net.Conn) {
			c.Read(make([]byte, 512))
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		}, facts.KindNotStun, nil},
		{"a header announcing 64 KiB", func(c net.Conn) {
			c.Read(make([]byte, 512))
			h := make([]byte, stunHeaderSize)
			binary.BigEndian.PutUint16(h[0:2], 0x0113)
			binary.BigEndian.PutUint16(h[2:4], 0xfffc)
			binary.BigEndian.PutUint32(h[4:8], 0x2112A442)
			c.Write(h)
			c.Write(bytes.Repeat([]byte{0}, 1<<16))
		}, facts.KindOther, nil},
		{"a STUN header cut short", func(c net.Conn) {
			c.Read(make([]byte, 512))
			c.Write([]byte{0x01, 0x13, 0x00})
		}, facts.KindClosed, nil},
		{"silence", func(c net.Conn) { c.Read(make([]byte, 512)); io.Copy(io.Discard, c) }, facts.KindTimeout, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := testpeer.RawServer(t, tt.handler)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			res, err := Allocate(ctx, conn)
			if got := ClassifyNet(err); got != tt.kind {
				t.Fatalf("Allocate = %+v, %v (kind %q); want kind %q", res, err, got, tt.kind)
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// fuzzConn is a peer that sends data, then nothing.
type fuzzConn struct {
	net.Conn
	r io.Reader
}

func (c fuzzConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c fuzzConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzReadStreamSTUN: whatever a relay sends, the reader returns either
// an error or exactly one message of the length its header declares,
// never more than MaxSTUNBytes; and what is kept of it is bounded text.
func FuzzReadStreamSTUN(f *testing.F) {
	f.Add(stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse), stun.CodeUnauthorized, stun.NewRealm("r"), stun.Fingerprint).Raw)
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	f.Add([]byte{0x01, 0x13, 0xff, 0xff, 0x21, 0x12, 0xa4, 0x42})
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, err := readStreamSTUN(fuzzConn{r: bytes.NewReader(data)})
		if err != nil {
			return
		}
		if len(raw) > MaxSTUNBytes || len(raw) < stunHeaderSize || len(raw) != stunHeaderSize+int(binary.BigEndian.Uint16(raw[2:4])) {
			t.Fatalf("read %d bytes for a header declaring %d", len(raw), binary.BigEndian.Uint16(raw[2:4]))
		}
		if !bytes.Equal(raw, data[:len(raw)]) {
			t.Fatalf("the message read is not the bytes sent")
		}
		m := &stun.Message{Raw: raw}
		if m.Decode() != nil {
			return
		}
		res := describeSTUN(m)
		for _, s := range []string{res.Realm, res.Software} {
			if len(s) > maxSTUNText || !utf8.ValidString(s) {
				t.Fatalf("kept %d bytes of text (valid UTF-8: %v)", len(s), utf8.ValidString(s))
			}
		}
	})
}
