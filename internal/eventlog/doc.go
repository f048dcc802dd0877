// Package eventlog reads the Windows event records a failed Quick Assist
// session leaves (../shared/CAUSES.md 1c), from .evtx files (ReadFile,
// ReadEVTX) and from the PC's own event log (ReadLive, Windows only), into
// facts.LogRead and facts.EventRecord. It reads only the kinds of record
// its table names and keeps only the values the table lists: never a
// computer or user name, a user's SID, a path under a user's profile, or
// any other record.
//
// # What is read, and why
//
// A session travels two legs (internal/leg): the web leg in WebView2
// (Chromium's TLS) and the screen leg, Windows' RDP / Desktop Sharing
// through the RDP relay with SCHANNEL's TLS. Windows records failures of
// the second in the System log (Schannel 36871, 36874, 36882, 36887,
// 36888), crashes and hangs of Quick Assist and its WebView2 in the
// Application log (Application Error 1000, Application Hang 1002), the
// package's install and update errors in AppXDeploymentServer/Operational,
// the Desktop Sharing key's use in the Security log (5058, when key-file
// auditing is on), and Remote Assistance's and Remote Help's own channels,
// which Microsoft's MSRD-Collect gathers for Quick Assist.
//
// # The table
//
// Rows (table.go) is the one place that says what matters: per row the
// channel, the provider names, the event IDs and levels, an optional
// Filter on one value (the app name is QuickAssist.exe; the package name
// holds Quick Assist's family; KeyName is exactly "Desktop Sharing"), the
// Fields kept (by name, or by position for classic providers' strings;
// Hex for the numbers Windows renders in hexadecimal), a code, what such a
// record means, the leg it speaks for, and its source. Lookup finds a kept
// record's row.
//
// To add a kind of record, add a row. Everything else follows from it:
// the file reader's pre-filter (the row's filter values, else its
// providers, else its channel, as UTF-16 text a chunk must hold), the live
// reader's XPath query (its providers, IDs and levels, the window, and an
// exact filter on a named value when the channel has one row), the checks
// of TestTable, and Lookup. A row's Fields are a whitelist: add only
// values that cannot name a person or a machine.
//
// # Reading .evtx files
//
// The records are parsed by www.velocidex.com/golang/evtx (Apache-2.0).
// The file's header is not trusted: real logs copied from a running PC
// have stale headers (SOURCES.md: the sample DC's header counts 10 chunks,
// the file holds 247, and every Schannel record is past the tenth), so
// every 64 KiB chunk with the ElfChnk magic is read up to the file's end,
// and a chunk's records up to its free-space offset. Chunks are read
// newest first (by record number); records are kept by TimeCreated, UTC,
// and returned oldest first (a wrapped log's file order is not its time
// order, and even record numbers are not quite: the sample AppX log's
// record 6857 is five days older than its 6805). Record IDs are the
// record's own EventRecordID, the number Event Viewer shows (an exported
// log renumbers the record headers).
//
// The library was not written for hostile input. Before it sees a chunk,
// a guard (guard.go) walks the chunk as the library will and passes only
// the records it can parse in bounded time and memory; a chunk with a bad
// record keeps the records before it, and the file is then reported
// corrupt, naming it. A recover around the library remains as a last net
// only; FuzzReadFile fails if it is ever used.
//
// # Reading the live log
//
// On Windows, ReadLive queries each channel of the table through
// wevtapi.dll (EvtQuery newest first with the XPath built from the table,
// EvtNext in batches, EvtRender to XML, EvtClose), parses the XML with
// encoding/xml (parseEventXML, tested on every OS) and applies the same
// rows. A channel that does not exist is absent; Security without
// administrator rights is denied. Elsewhere every channel is unavailable.
//
// # Limits
//
// Limits bound a read, each with a default and the reason for it: the
// size of file read (1 GiB), the records gone through (4 million), the
// records kept (the newest 1,000: a storm of one error says no more in
// full), the length of a value (256 bytes, valid UTF-8) and the values
// per record (8). Fixed bounds guard the parsing: a chunk's work budget,
// element and template nesting, 64 values read per record, 64 KiB of XML
// per rendered record, 16 levels of XML. The context's deadline ends any
// read between chunks or batches; what was read by then is kept, and the
// state says truncated.
//
// # Sources
//
// ../shared/CAUSES.md sections 1b and 1c; ../shared/samples/evtx/SOURCES.md
// (the real .evtx files the tests read, and their inventory); Microsoft's
// pages for event 5058, the Schannel alert codes, EVT_QUERY_FLAGS and the
// Event schema; [MS-EVEN6] and libyal's EVTX format notes for the binary
// layout. Each row's Source names its own.
package eventlog
