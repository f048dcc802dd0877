package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Flags of the Event Log API (winevt.h; learn.microsoft.com
// windows/win32/api/winevt/ne-winevt-evt_query_flags and
// ne-winevt-evt_render_flags).
const (
	evtQueryChannelPath      = 0x1
	evtQueryReverseDirection = 0x200
	evtRenderEventXml        = 1
)

// ReadLive reads the table's channels from this PC's event log, newest
// first, within the window (the query bounds its start; its end, if set,
// is applied to what comes back). A channel that does not exist is
// absent; Security without administrator rights is denied.
func ReadLive(ctx context.Context, w Window, lim Limits) ([]facts.LogRead, []facts.EventRecord) {
	if err := modwevtapi.Load(); err != nil {
		var logs []facts.LogRead
		for _, ch := range Channels() {
			logs = append(logs, facts.LogRead{Channel: ch, State: facts.ReadUnavailable, Error: "load wevtapi.dll: " + err.Error()})
		}
		return logs, nil
	}
	return readLive(ctx, &wevtapi{}, w, lim, time.Now(), rows)
}

// wevtapi is evtAPI through wevtapi.dll.
type wevtapi struct {
	buf []uint16 // the render buffer, reused
}

func (*wevtapi) query(channel, xpath string) (uintptr, error) {
	p, err := windows.UTF16PtrFromString(channel)
	if err != nil {
		return 0, err
	}
	q, err := windows.UTF16PtrFromString(xpath)
	if err != nil {
		return 0, err
	}
	h, err := evtQuery(0, p, q, evtQueryChannelPath|evtQueryReverseDirection)
	if err != nil {
		return 0, fmt.Errorf("EvtQuery: %w", err)
	}
	return uintptr(h), nil
}

func (*wevtapi) next(results uintptr, handles []uintptr, timeout time.Duration) (int, error) {
	if len(handles) == 0 {
		return 0, nil
	}
	var n uint32
	ms := uint32(max(timeout.Milliseconds(), 1))
	err := evtNext(windows.Handle(results), uint32(len(handles)), (*windows.Handle)(unsafe.Pointer(&handles[0])), ms, 0, &n)
	if err != nil {
		return 0, fmt.Errorf("EvtNext: %w", err)
	}
	return int(n), nil
}

func (a *wevtapi) render(event uintptr) ([]byte, error) {
	if a.buf == nil {
		a.buf = make([]uint16, 8<<10)
	}
	var used, props uint32
	err := evtRender(0, windows.Handle(event), evtRenderEventXml, uint32(2*len(a.buf)), &a.buf[0], &used, &props)
	if errors.Is(err, errInsufficientBuffer) {
		// used is in bytes, UTF-16 and a NUL: twice the XML's size.
		if used > 2*maxXMLSize+2 {
			return nil, errXMLTooLarge
		}
		a.buf = make([]uint16, (used+1)/2)
		err = evtRender(0, windows.Handle(event), evtRenderEventXml, uint32(2*len(a.buf)), &a.buf[0], &used, &props)
	}
	if err != nil {
		return nil, fmt.Errorf("EvtRender: %w", err)
	}
	n := min(int(used/2), len(a.buf))
	return []byte(windows.UTF16ToString(a.buf[:n])), nil
}

func (*wevtapi) close(h uintptr) {
	if h != 0 {
		evtClose(windows.Handle(h))
	}
}
