package proxy

import (
	"strconv"
	"strings"
	"time"
)

// The PAC time helpers, with the semantics browsers and WinHTTP give them
// (Netscape's PAC specification, as MDN documents it under "Proxy
// Auto-Configuration (PAC) file", with its examples as the tests'
// cases). Each takes its arguments as the script passed them (numbers or
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
// wd2 inclusive; a range that wraps ("FRI", "MON") runs over the weekend.
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
	if from <= to {
		return from <= day && day <= to
	}
	return day >= from || day <= to
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

// dateRange takes days (1 to 31), months (JAN … DEC) and years (four
// digits) in any of the documented shapes, with an optional "GMT". With
// one value of a kind (or one of each of several kinds) today must match
// them; with two of a kind, today must lie between the first and the
// second, both included: dateRange(1, 15), dateRange("JAN", "MAR"),
// dateRange(1, "JUN", 15, "AUG"), dateRange(1, "JUN", 1995, 15, "AUG",
// 1995), dateRange("OCT", 1995, "MAR", 1996), dateRange(1995, 1997).
func dateRange(args []string, now time.Time) bool {
	args, t := pacClock(args, now)
	if len(args) == 0 {
		return false
	}
	type point struct{ day, month, year int } // 0: not given
	var pts []point
	var cur point
	seen := map[string]bool{}
	for _, a := range args {
		a = strings.TrimSpace(a)
		kind, v := "", 0
		if m := index(pacMonths, a); m >= 0 {
			kind, v = "month", m+1
		} else if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= 31 {
			kind, v = "day", n
		} else if err == nil && n >= 1000 {
			kind, v = "year", n
		} else {
			return false
		}
		if seen[kind] { // a second value of a kind starts the range's end
			pts = append(pts, cur)
			cur, seen = point{}, map[string]bool{}
		}
		seen[kind] = true
		switch kind {
		case "day":
			cur.day = v
		case "month":
			cur.month = v
		default:
			cur.year = v
		}
	}
	pts = append(pts, cur)
	today := point{t.Day(), int(t.Month()), t.Year()}
	switch len(pts) {
	case 1:
		p := pts[0]
		return (p.day == 0 || p.day == today.day) && (p.month == 0 || p.month == today.month) && (p.year == 0 || p.year == today.year)
	case 2:
		from, to := pts[0], pts[1]
		// Compare only the kinds both ends give, most significant first.
		key := func(p point) int {
			k := 0
			if from.year != 0 {
				k += p.year * 10000
			}
			if from.month != 0 {
				k += p.month * 100
			}
			if from.day != 0 {
				k += p.day
			}
			return k
		}
		lo, hi, now := key(from), key(to), key(today)
		if lo <= hi || from.year != 0 {
			return lo <= now && now <= hi
		}
		return now >= lo || now <= hi // "DEC" to "FEB", or 25 to 5: a range within a year wraps
	}
	return false
}
