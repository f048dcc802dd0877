package browser

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// golden is a NetLog the Chromium 156 here wrote in TestRunAsksChromium
// (handshake bytes left out): a server answering 404, a WebSocket server,
// a server whose CA it did not trust, a closed port and a server that
// never answered, on five ports of one name.
const golden = "testdata/chromium-156.json"

func goldenURLs(t testing.TB, data []byte) []string {
	var urls []string
	for _, u := range requestURLs(t, data) {
		if strings.Contains(u, "qadoctor.test") {
			urls = append(urls, u)
		}
	}
	return urls
}

// requestURLs are the URLs of the requests a NetLog shows, in order.
func requestURLs(t testing.TB, data []byte) []string {
	t.Helper()
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Phase  int            `json:"phase"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range log.Events {
		if u, _ := e.Params["url"].(string); e.Type == log.Constants.LogEventTypes[evRequestAlive] && e.Phase == phaseBegin {
			urls = append(urls, u)
		}
	}
	return urls
}

func TestReadNetLogGolden(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	urls := append(goldenURLs(t, data), "https://never.asked.test/")
	out, err := ReadNetLog(bytes.NewReader(data), urls)
	if err != nil {
		t.Fatal(err)
	}
	if out.Truncated {
		t.Error("a whole NetLog read as truncated")
	}
	var got []string
	for _, u := range urls {
		e := out.Endpoints[u]
		got = append(got, describe(e))
		if e.ProxyChain != "[direct://]" && u != "https://never.asked.test/" {
			t.Errorf("%s: proxy chain %q", u, e.ProxyChain)
		}
		if e.NetError == "CERT_AUTHORITY_INVALID" && (e.CertIssuer != "Untrusted Inspector CA" || e.CertSubject != "browser.qadoctor.test") {
			t.Errorf("%s: certificate %q from %q", u, e.CertSubject, e.CertIssuer)
		}
	}
	slices.Sort(got)
	want := []string{"error CERT_AUTHORITY_INVALID", "error CONNECTION_REFUSED", "error NO_ANSWER", "error NO_ANSWER", "usable 101 opened", "usable 404"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
}

func describe(e facts.BrowserEndpoint) string {
	switch {
	case e.Opened:
		return "usable 101 opened"
	case e.Usable:
		return "usable " + strconv.Itoa(e.Status)
	}
	return "error " + e.NetError
}

// TestReadNetLogCutOff reads the golden log cut at many places, as a
// browser killed mid-write leaves it: no error once the events have
// begun, and each endpoint says either what the whole log says or that
// it had no answer yet.
func TestReadNetLogCutOff(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	urls := goldenURLs(t, data)
	whole, err := ReadNetLog(bytes.NewReader(data), urls)
	if err != nil {
		t.Fatal(err)
	}
	events := bytes.Index(data, []byte(`"events":[`)) + len(`"events":[`)
	for n := events; n < len(data); n += len(data) / 300 {
		out, err := ReadNetLog(bytes.NewReader(data[:n]), urls)
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", n, len(data), err)
		}
		if !out.Truncated {
			t.Fatalf("cut at %d of %d: not called truncated", n, len(data))
		}
		for _, u := range urls {
			e, w := out.Endpoints[u], whole.Endpoints[u]
			if e.NetError != facts.BrowserNoAnswer && (e.NetError != w.NetError || e.Usable != w.Usable || e.Status != w.Status) {
				t.Errorf("cut at %d: %s is %q, the whole log says %q", n, u, describe(e), describe(w))
			}
		}
	}
	// One byte at a time, with a reader that errs at the end.
	if _, err := ReadNetLog(iotest.OneByteReader(bytes.NewReader(data)), urls); err != nil {
		t.Fatal(err)
	}
}

func TestReadNetLogRefuses(t *testing.T) {
	big := func(key string, n int) string {
		var b strings.Builder
		b.WriteString(`{"constants":{"` + key + `":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"E` + strconv.Itoa(i) + `":` + strconv.Itoa(-i))
		}
		b.WriteString(`}},"events":[]}`)
		return b.String()
	}
	manyEvents := func(n int, distinct bool) string {
		var b strings.Builder
		b.WriteString(`{"constants":{"logEventTypes":{"REQUEST_ALIVE":1}},"events":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			id := 1
			if distinct {
				id = i + 1
			}
			b.WriteString(`{"type":1,"phase":1,"source":{"id":` + strconv.Itoa(id) + `},"params":{"net_error":-2}}`)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "not a NetLog"},
		{"an array", "[]", "not a NetLog"},
		{"no events", `{"constants":{"logEventTypes":{}}}`, "no events"},
		{"events before constants", `{"events":[]}`, "before its constants"},
		{"a broken event", `{"constants":{"logEventTypes":{"A":1}},"events":[{"type":"x"}]}`, "event 1"},
		{"too many constants", big("netError", MaxConstants+1), "more than"},
		{"a fractional code", `{"constants":{"netError":{"E":1.5}},"events":[]}`, "not a whole number"},
		{"too many sources", manyEvents(MaxNetLogSources+1, true), "sources"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNetLog(strings.NewReader(tc.in), []string{"https://a.test/"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	t.Run("larger than the bound", func(t *testing.T) {
		r := &endless{head: []byte(`{"constants":{"logEventTypes":{"A":1}},"events":[`), fill: []byte(`{"type":2,"phase":0,"source":{"id":1},"params":{}},`)}
		_, err := ReadNetLog(r, nil)
		if err == nil || !strings.Contains(err.Error(), "MiB") && !strings.Contains(err.Error(), "events") {
			t.Errorf("error %v, want the bound named", err)
		}
	})
}

// endless is a NetLog that never ends: head, then fill for ever.
type endless struct {
	head, fill []byte
	off        int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(e.head) > 0 {
			c := copy(p[n:], e.head)
			e.head = e.head[c:]
			n += c
			continue
		}
		c := copy(p[n:], e.fill[e.off:])
		e.off = (e.off + c) % len(e.fill)
		n += c
	}
	return n, nil
}

func FuzzReadNetLog(f *testing.F) {
	data, err := os.ReadFile(golden)
	if err != nil {
		f.Fatal(err)
	}
	urls := goldenURLs(f, data)
	f.Add(data)
	f.Add(data[:len(data)/2])
	for _, more := range []string{"testdata/chromium-156-basic-proxy.json", "testdata/chromium-156-stripping-proxy.json"} {
		b, err := os.ReadFile(more)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"constants":{"logEventTypes":{"REQUEST_ALIVE":1,"WEBSOCKET_UPGRADE_FAILURE":2},"netError":{"ERR_FAILED":-2}},"events":[` +
		`{"type":1,"phase":1,"source":{"id":7},"params":{"url":"` + urls[0] + `"}},` +
		`{"type":2,"phase":0,"source":{"id":7},"params":{"message":"Unexpected response code: 426","net_error":-2}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := ReadNetLog(bytes.NewReader(in), urls)
		if err != nil {
			return
		}
		if out.Events > MaxNetLogEvents {
			t.Fatalf("%d events read", out.Events)
		}
		for _, u := range urls {
			e, ok := out.Endpoints[u]
			switch {
			case !ok:
				t.Fatalf("%s: no outcome", u)
			case e.URL != u:
				t.Fatalf("outcome for %s names %s", u, e.URL)
			case e.Usable == (e.NetError != ""):
				t.Fatalf("%s: usable %v with error %q", u, e.Usable, e.NetError)
			case e.Opened && (!e.WebSocket || e.Status != 101):
				t.Fatalf("%s: opened, websocket %v, status %d", u, e.WebSocket, e.Status)
			case e.Status != 0 && (e.Status < 100 || e.Status > 999):
				t.Fatalf("%s: status %d", u, e.Status)
			case len(e.CertIssuer) > maxCertPEM || len(e.ProxyChain) > len(in):
				t.Fatalf("%s: fields larger than the input", u)
			}
		}
	})
}

// Params differ in type between events: Chromium's HTTP2_STREAM_ERROR
// writes net_error as a name. Such a field is read as empty; the log is
// still read.
func TestReadNetLogLooseParams(t *testing.T) {
	in := `{"constants":{"logEventTypes":{"REQUEST_ALIVE":1,"HTTP2_STREAM_ERROR":2,"URL_REQUEST_START_JOB":3},"netError":{"ERR_CONNECTION_CLOSED":-100}},"events":[` +
		`{"type":1,"phase":1,"source":{"id":5},"params":{"url":"https://a.test/"}},` +
		`{"type":2,"phase":0,"source":{"id":5},"params":{"description":"Abandoned.","net_error":"ERR_CONNECTION_CLOSED","url":7,"source_dependency":"x"}},` +
		`{"type":3,"phase":2,"source":{"id":5},"params":{"net_error":-100}},` +
		`{"type":1,"phase":2,"source":{"id":5},"params":{"net_error":-100}}]}`
	out, err := ReadNetLog(strings.NewReader(in), []string{"https://a.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if e := out.Endpoints["https://a.test/"]; e.NetError != "CONNECTION_CLOSED" || e.Usable {
		t.Errorf("outcome %+v, want CONNECTION_CLOSED", e)
	}
}

// Two more logs the Chromium here wrote through squid
// (TestBrowserBesideProbes): one asking for a Basic password, one
// decrypting with a CA Chromium trusts and stripping the WebSocket
// upgrade.
func TestReadNetLogThroughProxies(t *testing.T) {
	read := func(file string) (https, wss facts.BrowserEndpoint) {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		urls := goldenLocalURLs(t, data)
		if len(urls) != 2 {
			t.Fatalf("%s: requests %q", file, urls)
		}
		out, err := ReadNetLog(bytes.NewReader(data), urls)
		if err != nil {
			t.Fatal(err)
		}
		return out.Endpoints[urls[0]], out.Endpoints[urls[1]]
	}
	h, w := read("testdata/chromium-156-basic-proxy.json")
	for _, e := range []facts.BrowserEndpoint{h, w} {
		if e.Usable || e.NetError != "PROXY_AUTH_REQUESTED" || e.ProxyAuth != "basic" || !strings.HasPrefix(e.ProxyChain, "[127.0.0.1:") {
			t.Errorf("Basic proxy: %+v", e)
		}
	}
	h, w = read("testdata/chromium-156-stripping-proxy.json")
	if !h.Usable || h.Status != 200 || h.CertIssuer != "Inspector Root CA" || !strings.HasPrefix(h.ProxyChain, "[127.0.0.1:") {
		t.Errorf("HTTPS through the decrypting proxy: %+v", h)
	}
	if !w.Usable || w.Opened || w.Status != 426 || w.CertIssuer != "Inspector Root CA" || !w.WebSocket {
		t.Errorf("WebSocket through the stripping proxy: %+v", w)
	}
}

// goldenLocalURLs are the localhost requests a log made, in order.
func goldenLocalURLs(t testing.TB, data []byte) []string {
	var urls []string
	for _, u := range requestURLs(t, data) {
		if strings.Contains(u, "://localhost:") {
			urls = append(urls, u)
		}
	}
	return urls
}
