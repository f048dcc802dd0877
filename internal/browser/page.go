package browser

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// The page the browser loads from a loopback server of ours. Its script
// asks the server for the endpoints, makes every request at once, and
// tells the server when each has ended or its budget ran out. The page's
// last script (wait.js) is held by the server until then, so the page's
// load, and with it --dump-dom and the browser's exit, waits for the
// requests and no longer. The endpoints never reach the page's text: the
// script fetches them as JSON.
//
// HTTPS endpoints are fetched in CORS mode without following redirects
// (a redirect leaves the profile's endpoints): the server's answer is in
// the NetLog even where CORS then keeps it from the script. WebSocket
// endpoints are opened and closed as soon as they open.
const pageHTML = `<!doctype html>
<meta charset="utf-8"><title>qadoctor</title>
<script>
"use strict";
function done(results) {
  return fetch("done", {method: "POST", body: JSON.stringify(results)}).catch(() => {});
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
fetch("asks.json").then((r) => r.json()).then((a) =>
  Promise.all(a.asks.map((k) => k.websocket ? open(k.url, a.budget_ms) : get(k.url, a.budget_ms))))
  .then(done, (e) => done([{url: "", ended: String(e)}]));
</script>
<script src="wait.js"></script>
`

// asks is the page's list, as asks.json gives it.
type asks struct {
	Asks     []Ask `json:"asks"`
	BudgetMS int64 `json:"budget_ms"`
}

// pageServer serves the page on loopback under a random path, so no
// other page of the machine's can post to it.
type pageServer struct {
	srv   *http.Server
	ln    net.Listener
	url   string
	asks  []byte
	once  sync.Once
	ended chan struct{} // closed when the page said it is done, or release was called
	// asked is closed when the page fetched its asks (its requests
	// start), at askedAt.
	asked     chan struct{}
	askedAt   time.Time
	askedOnce sync.Once
	mu        sync.Mutex
	report    []byte
}

func startPage(list []Ask, budget time.Duration) (*pageServer, error) {
	body, err := json.Marshal(asks{Asks: list, BudgetMS: budget.Milliseconds()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	token := make([]byte, 16)
	rand.Read(token)
	prefix := "/" + hex.EncodeToString(token) + "/"
	p := &pageServer{ln: ln, asks: body, ended: make(chan struct{}), asked: make(chan struct{}), url: "http://" + ln.Addr().String() + prefix}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, pageHTML)
	})
	mux.HandleFunc("GET "+prefix+"asks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(p.asks)
		p.askedOnce.Do(func() { p.askedAt = time.Now(); close(p.asked) })
	})
	mux.HandleFunc("POST "+prefix+"done", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		p.mu.Lock()
		p.report = b
		p.mu.Unlock()
		p.release()
	})
	mux.HandleFunc("GET "+prefix+"wait.js", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-p.ended:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "\"use strict\";\n")
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go p.srv.Serve(ln)
	return p, nil
}

// release lets wait.js answer: the page loads, the browser dumps it and
// ends.
func (p *pageServer) release() { p.once.Do(func() { close(p.ended) }) }

// said is what the page reported, if it did.
func (p *pageServer) said() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.report
}

func (p *pageServer) close() {
	p.release()
	p.srv.Close()
}
