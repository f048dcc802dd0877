package i18n

import "testing"

func TestWidth(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"FAIL", 4},
		{"失敗", 4},
		{"エラー", 6},
		{"TLS 1.2 以降", 12},
		{"ＡＢ", 4}, // full-width forms
		{"…", 1},
	} {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d; want %d", tt.s, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		s    string
		cols int
		want string
	}{
		{"a.test:443", 20, "a.test:443"},
		{"remoteassistance.support", 10, "remoteass…"},
		{"時刻の設定です", 6, "時刻…"}, // never half a character
		{"時刻の設定", 10, "時刻の設定"},
	} {
		got := Truncate(tt.s, tt.cols)
		if got != tt.want || Width(got) > tt.cols {
			t.Errorf("Truncate(%q, %d) = %q (%d columns); want %q", tt.s, tt.cols, got, Width(got), tt.want)
		}
	}
}
