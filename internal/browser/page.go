package browser

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The browser loads a page from a file in its private temporary folder
// (0700; on Windows a DACL of the user's and SYSTEM's alone: private),
// never from a URL on its command line, which every local user can read. The page holds a secret of its own; a
// loopback server of ours answers only requests that carry it: asks.json
// (the endpoints, as JSON, so none of them reaches the page's text), done
// (the page's requests have all ended) and wait.js (the page's last
// script, held until then, so the page's load, and with it --dump-dom
// and the browser's exit, waits for the requests and no longer).
//
// HTTPS endpoints are fetched in CORS mode without following redirects
// (a redirect leaves the profile's endpoints): the server's answer is in
// the NetLog even where CORS then keeps it from the script. WebSocket
// endpoints are opened and closed as soon as they open.
const pageHTML = `<!doctype html>
<meta charset="utf-8"><title>qadoctor</title>
<script>
"use strict";
const base = %s;
const key = {"X-Qadoctor-Page": %s};
function done(results) {
  return fetch(base + "done", {method: "POST", headers: key, body: JSON.stringify(results)}).catch(() => {});
}
function get(url, budget) {
  const c = new AbortController();
  const t = setTimeout(() => c.abort(), budget);
  return fetch(url, {mode: "cors", redirect: "manual", cache: "no-store", credentials: "omit", signal: c.signal})
    .then(() => ({url: url, ended: "answered"}), () => ({url: url, ended: c.signal.aborted ? "budget" : "error"}))
    .finally(() => clearTimeout(t));
}
function open(url, budget) {
  return new Promise((resolve) => {
    let s;
    try { s = new WebSocket(url); } catch (e) { resolve({url: url, ended: "refused"}); return; }
    const t = setTimeout(() => { s.close(); resolve({url: url, ended: "budget"}); }, budget);
    s.onopen = () => { clearTimeout(t); s.close(); resolve({url: url, ended: "opened"}); };
    s.onerror = () => { clearTimeout(t); resolve({url: url, ended: "error"}); };
  });
}
fetch(base + "asks.json", {cache: "no-store", headers: key}).then((r) => r.json()).then((a) =>
  Promise.all(a.asks.map((k) => k.websocket ? open(k.url, a.budget_ms) : get(k.url, a.budget_ms))))
  .then(done, (e) => done([{url: "", ended: String(e)}]));
</script>
<script src=%s></script>
`

// asks is the page's list, as asks.json gives it.
type asks struct {
	Asks     []Ask `json:"asks"`
	BudgetMS int64 `json:"budget_ms"`
}

// pageServer serves the page's requests on loopback to whoever knows its
// secret.
type pageServer struct {
	ln     net.Listener
	closed chan struct{} // closed by close: held requests give up
	file   string        // the page, in the browser's private folder
	secret string
	asks   []byte
	once   sync.Once
	ended  chan struct{} // closed when the page said it is done, or release was called
	// asked is closed when the page fetched its asks (its requests
	// start), at askedAt.
	asked     chan struct{}
	askedAt   time.Time
	askedOnce sync.Once
}

// startPage writes the page into dir and starts its server.
func startPage(dir string, list []Ask, budget time.Duration) (*pageServer, error) {
	body, err := json.Marshal(asks{Asks: list, BudgetMS: budget.Milliseconds()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	p := &pageServer{asks: body, secret: hex.EncodeToString(secret), ended: make(chan struct{}), asked: make(chan struct{}), closed: make(chan struct{}),
		file: filepath.Join(dir, "page.html")}
	base := "http://" + ln.Addr().String() + "/"
	// Only our own values (an address, hex) go into the page, as JSON.
	// The fetches carry the secret in a header; wait.js, a script, can
	// only carry it in its URL, to this server alone.
	js, _ := json.Marshal(base)
	key, _ := json.Marshal(p.secret)
	wait, _ := json.Marshal(base + "wait.js?k=" + p.secret)
	page := fmt.Sprintf(pageHTML, js, key, wait)
	if err := os.WriteFile(p.file, []byte(page), 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	p.ln = ln
	go p.serve()
	return p, nil
}

// secretHeader carries the page's secret on its fetches.
const secretHeader = "X-Qadoctor-Page"

// serve answers the page's requests, one per connection. It is not
// net/http's Server: that would bring TLS's server side and most of a
// megabyte into the binary for three routes on loopback. Requests are
// parsed by net/http's own ReadRequest, within bounds; answers are
// written whole and the connection closed.
func (p *pageServer) serve() {
	slots := make(chan struct{}, maxPageConns)
	for {
		c, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.closed:
				return
			case <-time.After(50 * time.Millisecond): // out of descriptors, say: try again
				continue
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			c.Close() // more than the page ever opens: not the page
			continue
		}
		go func() {
			defer func() { <-slots }()
			defer c.Close()
			p.answer(c)
		}()
	}
}

// Bounds on one request to the page's server.
const (
	maxPageRequestHead = 64 << 10
	maxPageRequestBody = 1 << 20
	pageRequestWait    = 10 * time.Second
	maxPageConns       = 32
)

func (p *pageServer) answer(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(pageRequestWait))
	in := &io.LimitedReader{R: c, N: maxPageRequestHead}
	r, err := http.ReadRequest(bufio.NewReader(in))
	if err != nil {
		return
	}
	in.N += maxPageRequestBody // the head was read within its bound; now the body's
	io.Copy(io.Discard, r.Body)
	c.SetReadDeadline(time.Time{})
	reply := func(status string, headers map[string]string, body string) {
		var b strings.Builder
		b.WriteString("HTTP/1.1 " + status + "\r\n")
		for _, k := range []string{"Content-Type", "Cache-Control", "Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
			if v, ok := headers[k]; ok {
				b.WriteString(k + ": " + v + "\r\n")
			}
		}
		if !strings.HasPrefix(status, "204") { // a 204 carries no Content-Length (RFC 9110, 8.6)
			b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
		}
		b.WriteString("Connection: close\r\n\r\n" + body)
		c.SetWriteDeadline(time.Now().Add(pageRequestWait))
		io.WriteString(c, b.String())
	}
	cors := map[string]string{"Access-Control-Allow-Origin": "*"} // the page is a file: its origin is "null"
	if r.Method == http.MethodOptions {
		// The preflight of a request that carries the secret's header.
		reply("204 No Content", map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": secretHeader,
			"Access-Control-Allow-Methods": "GET, POST"}, "")
		return
	}
	k := r.Header.Get(secretHeader)
	if k == "" {
		k = r.URL.Query().Get("k")
	}
	if subtle.ConstantTimeCompare([]byte(k), []byte(p.secret)) != 1 {
		reply("404 Not Found", nil, "")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/asks.json":
		reply("200 OK", map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}, string(p.asks))
		p.askedOnce.Do(func() { p.askedAt = time.Now(); close(p.asked) })
	case r.Method == http.MethodPost && r.URL.Path == "/done":
		reply("204 No Content", cors, "")
		p.release()
	case r.Method == http.MethodGet && r.URL.Path == "/wait.js":
		select {
		case <-p.ended:
		case <-p.closed:
			return
		}
		reply("200 OK", map[string]string{"Content-Type": "text/javascript", "Cache-Control": "no-store"}, "\"use strict\";\n")
	default:
		reply("404 Not Found", nil, "")
	}
}

// url is the page, as the browser's command line names it.
func (p *pageServer) url() string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(p.file)}
	if u.Path[0] != '/' {
		u.Path = "/" + u.Path // C:/Users/… → file:///C:/Users/…
	}
	return u.String()
}

// release lets wait.js answer: the page loads, the browser dumps it and
// ends.
func (p *pageServer) release() { p.once.Do(func() { close(p.ended) }) }

func (p *pageServer) close() {
	p.release()
	close(p.closed)
	p.ln.Close()
}
