package proxy

import (
	"strconv"
	"strings"
	"time"
)

// The PAC time helpers, with the semantics the engines give them
// (Netscape's PAC specification as Mozilla's helpers implement it, which
// Chromium and so WebView2 carry). Tested on MDN's documented examples and
// against pacparser, an engine with those helpers, under faketime. Each takes its arguments as the script passed them (numbers or
// strings), a trailing "GMT" meaning UTC, and the clock.

var pacDays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var pacMonths = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

// pacClock splits off a trailing "GMT" and gives the time it asks for.
func pacClock(args []string, now time.Time) ([]string, time.Time) {
	if n := len(args); n > 0 && strings.EqualFold(args[n-1], "GMT") {
		return args[:n-1], now.UTC()
	}
	return args, now.Local()
}

func index(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// weekdayRange(wd1 [, wd2] [, "GMT"]): today is wd1, or between wd1 and
// wd2 inclusive. A range that would wrap ("FRI", "MON") is never true:
// so the engines behave (Mozilla's helpers, which Chromium and so WebView2
// carry; TestPACTimeHelpersAgreeWithPacparser), whatever a document says.
func weekdayRange(args []string, now time.Time) bool {
	args, t := pacClock(args, now)
	if len(args) == 0 {
		return false
	}
	day := int(t.Weekday())
	from := index(pacDays, args[0])
	to := from
	if len(args) > 1 {
		to = index(pacDays, args[1])
	}
	if from < 0 || to < 0 {
		return false
	}
	return from <= day && day <= to
}

// timeRange(hour), (h1, h2), (h1, m1, h2, m2), (h1, m1, s1, h2, m2, s2),
// each with an optional "GMT": the hour is h; the hour is h1 to h2, both
// whole hours included; the time is from h1:m1 to h2:m2 (to its last
// second); from h1:m1:s1 to h2:m2:s2. Any other count is false.
func timeRange(args []string, now time.Time) bool {
	args, t := pacClock(args, now)
	n := make([]int, len(args))
	for i, a := range args {
		v, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return false
		}
		n[i] = v
	}
	secs := func(h, m, s int) int { return h*3600 + m*60 + s }
	at := secs(t.Hour(), t.Minute(), t.Second())
	switch len(n) {
	case 1:
		return t.Hour() == n[0]
	case 2:
		return n[0] <= t.Hour() && t.Hour() <= n[1]
	case 4:
		return secs(n[0], n[1], 0) <= at && at <= secs(n[2], n[3], 59)
	case 6:
		return secs(n[0], n[1], n[2]) <= at && at <= secs(n[3], n[4], n[5])
	}
	return false
}

// dateRange(…) as the engines compute it (Mozilla's helpers, carried by
// Chromium and so WebView2, checked against pacparser): one argument is a
// day (under 32), a month name or a year that today must match; with more,
// the first half of the arguments set a start date and the second half an
// end date, each field by field, starting from this year's 1 January
// 00:00:00 and 31 December 23:59:59; with just two, a day moves both dates
// to this month. Fields overflow as JavaScript's Date setters do, which is
// why dateRange(24, "DEC") holds on 28 February too: faithful to the
// engines, not to the documents' examples.
func dateRange(args []string, now time.Time) bool {
	args, t := pacClock(args, now)
	if len(args) == 0 {
		return false
	}
	kind := func(a string) (month int, n int, isNum bool) {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return index(pacMonths, a), 0, false
		}
		return -1, n, true
	}
	if len(args) == 1 {
		month, n, isNum := kind(args[0])
		switch {
		case !isNum:
			return int(t.Month())-1 == month
		case n < 32:
			return t.Day() == n
		}
		return t.Year() == n
	}
	loc := t.Location()
	d1 := time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, loc)
	d2 := time.Date(t.Year(), time.December, 31, 23, 59, 59, 0, loc)
	// set changes one field of d, normalising as a Date setter does.
	set := func(d time.Time, year, month, day int) time.Time {
		y, m, dd := d.Date()
		if year >= 0 {
			y = year
		}
		if month >= 0 {
			m = time.Month(month + 1)
		}
		if day >= 0 {
			dd = day
		}
		return time.Date(y, m, dd, d.Hour(), d.Minute(), d.Second(), 0, loc)
	}
	adjustMonth := false
	half := len(args) / 2
	for i, a := range args {
		month, n, isNum := kind(a)
		first := i < half
		switch {
		case !isNum && first:
			d1 = set(d1, -1, month, -1)
		case !isNum:
			d2 = set(d2, -1, month, -1)
		case n < 32 && first:
			adjustMonth = len(args) <= 2
			d1 = set(d1, -1, -1, n)
		case n < 32:
			d2 = set(d2, -1, -1, n)
		case first:
			d1 = set(d1, n, -1, -1)
		default:
			d2 = set(d2, n, -1, -1)
		}
	}
	if adjustMonth {
		d1 = set(d1, -1, int(t.Month())-1, -1)
		d2 = set(d2, -1, int(t.Month())-1, -1)
	}
	return !t.Before(d1) && !t.After(d2)
}
