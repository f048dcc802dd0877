package browser

import (
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
	srv    *http.Server
	file   string // the page, in the browser's private folder
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
	p := &pageServer{asks: body, secret: hex.EncodeToString(secret), ended: make(chan struct{}), asked: make(chan struct{}),
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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /asks.json", p.guard(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Access-Control-Allow-Origin", "*") // the page is a file: its origin is "null"
		w.Write(p.asks)
		p.askedOnce.Do(func() { p.askedAt = time.Now(); close(p.asked) })
	}))
	mux.HandleFunc("POST /done", p.guard(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Access-Control-Allow-Origin", "*")
		p.release()
	}))
	mux.HandleFunc("OPTIONS /", func(w http.ResponseWriter, r *http.Request) {
		// The preflight of a request that carries the secret's header.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", secretHeader)
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
	})
	mux.HandleFunc("GET /wait.js", p.guard(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-p.ended:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "\"use strict\";\n")
	}))
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go p.srv.Serve(ln)
	return p, nil
}

// secretHeader carries the page's secret on its fetches.
const secretHeader = "X-Qadoctor-Page"

// guard answers only a request that carries the page's secret.
func (p *pageServer) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k := r.Header.Get(secretHeader)
		if k == "" {
			k = r.URL.Query().Get("k")
		}
		if subtle.ConstantTimeCompare([]byte(k), []byte(p.secret)) != 1 {
			http.NotFound(w, r)
			return
		}
		h(w, r)
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
	p.srv.Close()
}
