package probe

import (
	"errors"
	"time"
)

// DroppedError is a connection attempt given up because no SYN-ACK came
// within the bound its caller set from what the run had already seen
// (package gather's DroppedAfter): its SYNs were dropped. It is not the
// run's deadline, which stays a timeout. Error is what the dialer said
// when the attempt was stopped (Go's own words, never a sentence of ours);
// the judge phrases the rest from After and SYNs.
type DroppedError struct {
	Addr  string        // host:port
	After time.Duration // how long the attempt was given
	SYNs  int           // the SYNs the OS's schedule sends within After: an estimate
	Err   error         // the dialer's error when it was stopped
}

func (e *DroppedError) Error() string {
	if e.Err == nil {
		return "dial tcp " + e.Addr + ": no SYN-ACK"
	}
	return e.Err.Error()
}

func (e *DroppedError) Unwrap() error { return e.Err }

// IsDropped reports a connection attempt given up as dropped.
func IsDropped(err error) bool {
	var de *DroppedError
	return errors.As(err, &de)
}
