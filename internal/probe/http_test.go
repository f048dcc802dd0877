package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// HEAD's answer is the final one: interim 1xx answers before it are read
// past (RFC 9110 section 15.2), as a browser does, never taken for the
// status. A peer that sends nothing but interim answers is cut by the
// header bound, not followed for ever.
func TestHeadSkipsInterimAnswers(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		status  int
		errSays string
	}{
		{"100 then 503", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 503, ""},
		{"102 and 103 then 200", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 200, ""},
		{"only 100, for ever", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 5000), 0, "read the answer to HEAD"},
		{"101 to a HEAD that asked no upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n", 0, "101 Switching Protocols"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tlsPeer(t, func(c *tls.Conn) {
				http.ReadRequest(bufio.NewReader(c))
				c.Write([]byte(tt.answer))
			})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			defer tc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tc.HandshakeContext(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := Head(ctx, tc, "localhost", time.Now)
			if tt.errSays != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSays) {
					t.Errorf("Head = %d, %v; want an error saying %q", res.Status, err, tt.errSays)
				}
				return
			}
			if err != nil || res.Status != tt.status {
				t.Errorf("Head = %d, %v; want %d", res.Status, err, tt.status)
			}
		})
	}
}
