package eventlog

// The Event Log API (wevtapi.dll), loaded on first use.
//
//sys	evtQuery(session windows.Handle, path *uint16, query *uint16, flags uint32) (h windows.Handle, err error) [failretval==0] = wevtapi.EvtQuery
//sys	evtNext(resultSet windows.Handle, eventsSize uint32, events *windows.Handle, timeout uint32, flags uint32, returned *uint32) (err error) = wevtapi.EvtNext
//sys	evtRender(context windows.Handle, fragment windows.Handle, flags uint32, bufferSize uint32, buffer *uint16, bufferUsed *uint32, propertyCount *uint32) (err error) = wevtapi.EvtRender
//sys	evtClose(object windows.Handle) (err error) = wevtapi.EvtClose
