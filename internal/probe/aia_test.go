package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A hostile AIA server: a body past MaxIssuerBytes is refused, an answer
// that is no certificate is left, and neither completes a chain.
func TestIssuerFetcherBounds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge":
			w.Write([]byte(strings.Repeat("x", MaxIssuerBytes+1)))
		case "/garbage":
			w.Write([]byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	fetch := HTTPIssuerFetcher(srv.Client())
	if _, err := fetch(context.Background(), srv.URL+"/huge"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a huge body: %v; want it refused", err)
	}
	if _, err := fetch(context.Background(), srv.URL+"/missing"); err == nil {
		t.Error("a 404 should be an error")
	}
	body, err := fetch(context.Background(), srv.URL+"/garbage")
	if err != nil || len(body) == 0 {
		t.Fatalf("garbage: %v", err)
	}
}
