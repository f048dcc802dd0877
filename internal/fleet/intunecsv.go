package fleet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/intune"
)

// Intune's Remediations keep each device's detection output, qadoctor's one
// line, as preRemediationDetectionScriptOutput and
// postRemediationDetectionScriptOutput with the device's deviceName
// (Microsoft Graph, deviceHealthScriptPolicyState and
// deviceHealthScriptDeviceState, learn.microsoft.com/graph/api/resources/
// intune-devices-devicehealthscriptdevicestate). An export of the device
// status names its columns after those, spelled as properties or as
// words ("Pre-remediation detection output"); both are taken.

// column names, lower-cased and without spaces, dashes or underscores.
var (
	postColumns = []string{"postremediationdetectionscriptoutput", "postremediationdetectionoutput"}
	preColumns  = []string{"preremediationdetectionscriptoutput", "preremediationdetectionoutput"}
)

func normalColumn(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// AddIntuneCSV adds the devices of an Intune Remediations export: each
// row's latest qadoctor line (after remediation when there is one, else
// before) counts as that device's report. A row without a qadoctor line is
// counted as unreadable, named by its row.
func (s *Summary) AddIntuneCSV(r io.Reader, name string) error {
	return readIntuneCSV(r, name, s.count, func(sk Skipped) { s.skip(sk.Path, sk.Reason) })
}

// readIntuneCSV reads an export's devices and the rows it could not read,
// passing each on as it is read: an export of a whole fleet is not held.
func readIntuneCSV(r io.Reader, name string, device func(reportHead), unreadable func(Skipped)) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportSize+1))
	if err == nil {
		data, err = inputfile.UTF8(data) // exports are often UTF-8 with a BOM
	}
	if err != nil {
		return err
	}
	if len(data) > MaxReportSize {
		return fmt.Errorf("larger than %d MiB", MaxReportSize>>20)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("not a CSV: %v", err)
	}
	pre, post := -1, -1
	for i, h := range header {
		switch n := normalColumn(h); {
		case contains(preColumns, n):
			pre = i
		case contains(postColumns, n):
			post = i
		}
	}
	if pre < 0 && post < 0 {
		return errors.New("not an Intune Remediations export: no pre- or post-remediation detection output column")
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("row %d: %v", row, err)
		}
		line := ""
		for _, c := range []int{post, pre} {
			if c >= 0 && c < len(rec) && strings.HasPrefix(strings.TrimSpace(rec[c]), "qadoctor ") {
				line = strings.TrimSpace(rec[c])
				break
			}
		}
		h, err := parseLine(line)
		if err != nil {
			unreadable(Skipped{fmt.Sprintf("%s row %d", name, row), err.Error()})
			continue
		}
		device(h)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lineItem is one "id(reason)" of the line.
var lineItem = regexp.MustCompile(`^([a-z]+\.[a-z0-9-]+)(?:\(([a-z0-9-]+)\))?$`)

// parseLine reads qadoctor's Intune line (internal/intune.Line, documented
// in README.md): "qadoctor VERSION [actions;] COMPLIANT | …" or "… FAIL
// id(reason) … | WARN id(reason) … | as SYSTEM: …".
func parseLine(line string) (reportHead, error) {
	var h reportHead
	if !strings.HasPrefix(line, "qadoctor ") {
		return h, errors.New("no qadoctor line in the detection output")
	}
	// Intune keeps no more of an output than this, and intune.Line cuts
	// its line to fit: a longer one is not qadoctor's, and would cost the
	// summary memory by the megabyte.
	if n := utf8.RuneCountInString(line); n > intune.OutputLimit {
		return h, fmt.Errorf("a qadoctor line of %d characters; Intune keeps at most %d, so it is not one qadoctor wrote", n, intune.OutputLimit)
	}
	parts := strings.Split(strings.TrimSuffix(line, " …(cut)"), " | ")
	head := parts[0]
	fields := strings.Fields(head)
	if len(fields) < 3 {
		return h, errors.New("a qadoctor line too short to read")
	}
	if len(fields[1]) > maxField {
		return h, fmt.Errorf("a qadoctor line whose version is %d bytes long; not one qadoctor wrote", len(fields[1]))
	}
	h.toolVersion = fields[1]
	if i := strings.LastIndex(head, ";"); i >= 0 {
		head = head[i+1:]
	} else {
		head = strings.Join(fields[2:], " ")
	}
	items := func(words []string, status string) error {
		for _, w := range words {
			if len(h.findings) == MaxFindings {
				return fmt.Errorf("more than %d checks in a qadoctor line; not one qadoctor wrote", MaxFindings)
			}
			m := lineItem.FindStringSubmatch(w)
			if m == nil || len(w) > maxField {
				return fmt.Errorf("%q is not a check of a qadoctor line", clip(w))
			}
			h.findings = append(h.findings, findingHead{m[1], status, m[2]})
		}
		return nil
	}
	switch w := strings.Fields(head); {
	case len(w) == 1 && w[0] == "COMPLIANT":
		h.status = "pass"
	case len(w) > 1 && w[0] == "FAIL":
		h.status = "fail"
		if err := items(w[1:], "fail"); err != nil {
			return h, err
		}
		h.verdict = &struct{ id, reason string }{h.findings[0].id, h.findings[0].reason}
	default:
		return h, fmt.Errorf("a qadoctor line without COMPLIANT or FAIL: %q", clip(head))
	}
	for _, p := range parts[1:] {
		if w := strings.Fields(p); len(w) > 1 && w[0] == "WARN" {
			if err := items(w[1:], "warn"); err != nil {
				return h, err
			}
			if h.status == "pass" {
				h.status = "warn"
			}
		}
	}
	return h, nil
}

// clip shortens a piece of a file quoted in a reason: the reasons of up to
// MaxListedUnreadable files are kept, and a quote need only show which.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
