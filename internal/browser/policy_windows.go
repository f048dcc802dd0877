package browser

import "golang.org/x/sys/windows/registry"

// HeadlessBlocked reports whether Edge's HeadlessModeEnabled policy is 0
// (disabled), machine-wide or for the user, and where it is set: Edge
// then refuses --headless. Microsoft Edge policy documentation,
// "HeadlessModeEnabled" (Edge 117 and later):
// https://learn.microsoft.com/en-us/deployedge/microsoft-edge-policies#headlessmodeenabled
func HeadlessBlocked() (blocked bool, where string) {
	for _, k := range []struct {
		root registry.Key
		name string
	}{{registry.LOCAL_MACHINE, `HKLM\` + policyKey}, {registry.CURRENT_USER, `HKCU\` + policyKey}} {
		key, err := registry.OpenKey(k.root, policyKey, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		v, _, err := key.GetIntegerValue(policyValue)
		key.Close()
		if err == nil && v == 0 {
			return true, k.name + `\` + policyValue
		}
	}
	return false, ""
}
