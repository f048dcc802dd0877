package osstack

//sys	winHttpOpen(agent *uint16, accessType uint32, proxy *uint16, proxyBypass *uint16, flags uint32) (h handle, err error) [failretval==0] = winhttp.WinHttpOpen
//sys	winHttpConnect(session handle, server *uint16, port uint16, reserved uint32) (h handle, err error) [failretval==0] = winhttp.WinHttpConnect
//sys	winHttpOpenRequest(connect handle, verb *uint16, object *uint16, version *uint16, referrer *uint16, acceptTypes **uint16, flags uint32) (h handle, err error) [failretval==0] = winhttp.WinHttpOpenRequest
//sys	winHttpSetTimeouts(h handle, resolve int32, connect int32, send int32, receive int32) (err error) [failretval==0] = winhttp.WinHttpSetTimeouts
//sys	winHttpSendRequest(request handle, headers *uint16, headersLength uint32, optional uintptr, optionalLength uint32, totalLength uint32, context uintptr) (err error) [failretval==0] = winhttp.WinHttpSendRequest
//sys	winHttpReceiveResponse(request handle, reserved uintptr) (err error) [failretval==0] = winhttp.WinHttpReceiveResponse
//sys	winHttpQueryHeaders(request handle, infoLevel uint32, name *uint16, buffer *byte, bufferLength *uint32, index *uint32) (err error) [failretval==0] = winhttp.WinHttpQueryHeaders
//sys	winHttpSetOption(h handle, option uint32, buffer unsafe.Pointer, length uint32) (err error) [failretval==0] = winhttp.WinHttpSetOption
//sys	winHttpQueryOption(h handle, option uint32, buffer unsafe.Pointer, length *uint32) (err error) [failretval==0] = winhttp.WinHttpQueryOption
//sys	winHttpCloseHandle(h handle) (err error) [failretval==0] = winhttp.WinHttpCloseHandle

import "unsafe"

type handle uintptr

var _ unsafe.Pointer
