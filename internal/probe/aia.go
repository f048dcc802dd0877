package probe

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// A server that sends only its leaf leaves its issuer to be found: Chromium
// and Windows' CryptoAPI fetch it from the leaf's Authority Information
// Access (caIssuers) URL, so the chain verifies for Quick Assist's WebView2
// and for Windows. CompleteChain does the same, so such a server is not
// called an untrusted issuer.

// MaxIssuerBytes bounds what is read at an AIA URL: a certificate is one
// or two KiB.
const MaxIssuerBytes = 64 << 10

// MaxAIAFetches bounds the issuers fetched for one chain, each one level
// up from the last.
const MaxAIAFetches = 3

// IssuerFetcher gets the body at an AIA caIssuers URL.
type IssuerFetcher func(ctx context.Context, url string) ([]byte, error)

// CompleteChain verifies chain (leaf first, as served) for name after
// fetching, from the last certificate's AIA caIssuers URLs (http only, as
// Chromium's AIA fetcher takes them), the issuers the server did not send,
// up to MaxAIAFetches levels. It returns the URLs whose certificate was
// used and the verification's error (nil: the completed chain verifies).
func CompleteChain(ctx context.Context, chain []*x509.Certificate, name string, roots *x509.CertPool, now time.Time, fetch IssuerFetcher) ([]string, error) {
	err := verify(chain, name, roots, now)
	var used []string
	work := append([]*x509.Certificate(nil), chain...)
	for range MaxAIAFetches {
		var ua x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &ua) || len(work) == 0 {
			break
		}
		issuer, url := fetchIssuer(ctx, work[len(work)-1], fetch)
		if issuer == nil {
			break
		}
		used = append(used, url)
		work = append(work, issuer)
		err = verify(work, name, roots, now)
	}
	return used, err
}

// fetchIssuer gets the issuer of c from its AIA URLs: the first that
// parses as a certificate whose key signed c.
func fetchIssuer(ctx context.Context, c *x509.Certificate, fetch IssuerFetcher) (*x509.Certificate, string) {
	for i, url := range c.IssuingCertificateURL {
		if i == 2 || ctx.Err() != nil { // real certificates name one
			break
		}
		if !strings.HasPrefix(strings.ToLower(url), "http://") {
			continue
		}
		body, err := fetch(ctx, url)
		if err != nil {
			continue
		}
		if block, _ := pem.Decode(body); block != nil && block.Type == "CERTIFICATE" {
			body = block.Bytes
		}
		issuer, err := x509.ParseCertificate(body)
		if err != nil || c.CheckSignatureFrom(issuer) != nil {
			continue
		}
		return issuer, url
	}
	return nil, ""
}

// HTTPIssuerFetcher fetches AIA URLs with client (which says how to
// reach them), reading at most MaxIssuerBytes of a 200 answer.
func HTTPIssuerFetcher(client *http.Client) IssuerFetcher {
	return func(ctx context.Context, url string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "qadoctor")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxIssuerBytes+1))
		if err != nil {
			return nil, err
		}
		if len(body) > MaxIssuerBytes {
			return nil, fmt.Errorf("GET %s: more than %d bytes", url, MaxIssuerBytes)
		}
		return body, nil
	}
}
