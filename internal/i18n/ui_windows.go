package i18n

import "golang.org/x/sys/windows"

// UILanguage is the user's Windows display language ("ja-JP"), the first
// of their preferred UI languages.
func UILanguage() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return ""
	}
	return langs[0]
}
