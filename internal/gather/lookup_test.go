package gather

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// countingResolver answers every name after delay, and counts the lookups
// in flight; the first query of each name in lose is never answered (a
// resolver that dropped it).
type countingResolver struct {
	delay             time.Duration
	lose              map[string]bool
	mu                sync.Mutex
	asked             map[string]bool
	inFlight, highest atomic.Int32
}

func (c *countingResolver) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		h := c.highest.Load()
		if n <= h || c.highest.CompareAndSwap(h, n) {
			break
		}
	}
	c.mu.Lock()
	first := !c.asked[host]
	c.asked[host] = true
	c.mu.Unlock()
	if first && c.lose[host] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	select {
	case <-time.After(c.delay):
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func lookupRun(res *countingResolver) *run {
	return &run{opts: Options{Env: Env{Resolver: res}}, lookups: make(chan struct{}, MaxConcurrentLookups), pace: rate.NewLimiter(rate.Inf, 1)}
}

// lookAll looks up n names at once, as the endpoints source does.
func lookAll(t *testing.T, r *run, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, _, err := r.lookup(t.Context(), "e"+string(rune('a'+i%26))+string(rune('a'+i/26))+".test"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestLookupsClockedByAnswers: a resolver that loses nothing is never
// paced, and never has more than MaxConcurrentLookups lookups at once.
func TestLookupsClockedByAnswers(t *testing.T) {
	res := &countingResolver{delay: 20 * time.Millisecond, asked: map[string]bool{}}
	r := lookupRun(res)
	lookAll(t, r, 100)
	if got := res.highest.Load(); got > MaxConcurrentLookups || got < MaxConcurrentLookups/2 {
		t.Errorf("%d lookups at once; want up to %d", got, MaxConcurrentLookups)
	}
	if r.pace.Limit() != rate.Inf {
		t.Errorf("paced at %v with nothing lost", r.pace.Limit())
	}
}

// TestLookupsPacedOnceAQueryIsLost: a lookup that had to ask again is the
// evidence of a resolver that drops queries: from then on, lookups start
// one every LookupEvery.
func TestLookupsPacedOnceAQueryIsLost(t *testing.T) {
	res := &countingResolver{delay: time.Millisecond, asked: map[string]bool{}, lose: map[string]bool{"eaa.test": true}}
	r := lookupRun(res)
	lookAll(t, r, 30)
	if r.pace.Limit() != rate.Every(LookupEvery) {
		t.Errorf("pace %v after a lost query; want one every %v", r.pace.Limit(), LookupEvery)
	}
}
