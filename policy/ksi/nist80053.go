package ksi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CatalogRelease is the NIST SP 800-53 Rev. 5 release whose identifiers Exists knows: 5.1.1, the
// release FedRAMP's Rev. 5 baselines are resolved against (it added IA-13 and its three
// enhancements to release 5.1's 1,189 controls and enhancements).
const CatalogRelease = "NIST SP 800-53 Rev. 5, release 5.1.1"

// rev5 is the numbering of the NIST SP 800-53 Rev. 5 catalog (release 5.1.1, public domain):
// per family, in catalog order, the number of enhancements of each control. Withdrawn controls
// and enhancements are counted, because NIST never reuses an identifier: 323 controls and 870
// enhancements, 1,193 identifiers in all. TestCatalogNumbering checks these totals and that every
// control named by FedRAMP's KSI data is among them.
var rev5 = []struct {
	family       string
	enhancements []int // index i is control <family>-<i+1>
}{
	{"ac", []int{0, 13, 15, 32, 0, 10, 4, 0, 4, 0, 1, 3, 0, 1, 0, 10, 10, 5, 5, 6, 2, 0, 0, 2, 0}},
	{"at", []int{0, 6, 5, 0, 0, 0}},
	{"au", []int{0, 4, 3, 1, 5, 10, 2, 2, 7, 5, 1, 4, 3, 3, 0, 3}},
	{"ca", []int{0, 3, 7, 0, 1, 2, 6, 3, 1}},
	{"cm", []int{0, 7, 8, 2, 7, 4, 9, 9, 1, 1, 3, 1, 0, 0}},
	{"cp", []int{0, 8, 2, 5, 0, 3, 6, 5, 8, 6, 0, 0, 0}},
	{"ia", []int{0, 13, 4, 9, 18, 0, 0, 6, 2, 0, 0, 6, 3}},
	{"ir", []int{0, 3, 3, 15, 1, 3, 2, 1, 4, 0}},
	{"ma", []int{0, 2, 6, 7, 5, 3, 0}},
	{"mp", []int{0, 2, 0, 2, 4, 8, 2, 4}},
	{"pe", []int{0, 3, 8, 0, 3, 4, 0, 3, 2, 1, 2, 1, 4, 2, 1, 0, 0, 1, 1, 0, 0, 0, 0}},
	{"pl", []int{0, 3, 0, 1, 0, 0, 0, 2, 0, 0, 0}},
	{"pm", []int{0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}},
	{"ps", []int{0, 0, 4, 2, 0, 3, 0, 0, 0}},
	{"pt", []int{0, 2, 2, 3, 2, 2, 2, 0}},
	{"ra", []int{0, 1, 4, 0, 11, 0, 0, 0, 0, 0}},
	{"sa", []int{0, 0, 3, 12, 5, 0, 0, 33, 8, 7, 9, 15, 0, 1, 12, 0, 9, 2, 4, 0, 1, 1, 0}},
	{"sc", []int{0, 2, 5, 2, 3, 0, 29, 5, 0, 0, 1, 6, 4, 0, 4, 3, 0, 5, 0, 2, 1, 0, 5, 0, 0, 1, 0, 3, 1, 5, 3, 1, 0, 3, 0, 2, 1, 0, 2, 4, 0, 5, 0, 0, 2, 0, 0, 1, 0, 0, 0}},
	{"si", []int{0, 6, 10, 25, 1, 3, 17, 3, 0, 6, 0, 3, 5, 3, 0, 0, 0, 5, 8, 0, 0, 0, 0}},
	{"sr", []int{0, 1, 3, 4, 2, 1, 0, 0, 1, 0, 3, 0}},
}

var oscalID = regexp.MustCompile(`^([a-z]{2})-(\d+)(?:\.(\d+))?$`)

// Exists reports whether id (OSCAL form, e.g. "sc-8.1") names a control or control enhancement
// of the catalog.
func Exists(id string) bool {
	m := oscalID.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	control, _ := strconv.Atoi(m[2])
	for _, f := range rev5 {
		if f.family != m[1] {
			continue
		}
		if control < 1 || control > len(f.enhancements) {
			return false
		}
		if m[3] == "" {
			return true
		}
		enh, _ := strconv.Atoi(m[3])
		return enh >= 1 && enh <= f.enhancements[control-1]
	}
	return false
}

// catalogIDs lists every identifier of the catalog in catalog order.
func catalogIDs() []string {
	var out []string
	for _, f := range rev5 {
		for i, n := range f.enhancements {
			out = append(out, fmt.Sprintf("%s-%d", f.family, i+1))
			for e := 1; e <= n; e++ {
				out = append(out, fmt.Sprintf("%s-%d.%d", f.family, i+1, e))
			}
		}
	}
	return out
}

var label = regexp.MustCompile(`^([A-Za-z]{2})-(\d+)(?:\((\d+)\))?$`)

// ID turns a control as people write it ("SC-8(1)", "sc-8") into its OSCAL identifier ("sc-8.1").
func ID(control string) (string, error) {
	if oscalID.MatchString(control) {
		return control, nil
	}
	m := label.FindStringSubmatch(strings.TrimSpace(control))
	if m == nil {
		return "", fmt.Errorf("ksi: %q is not a NIST SP 800-53 control identifier (e.g. SC-8 or SC-8(1))", control)
	}
	id := strings.ToLower(m[1]) + "-" + strings.TrimLeft(m[2], "0")
	if m[3] != "" {
		id += "." + strings.TrimLeft(m[3], "0")
	}
	return id, nil
}

// Label turns an OSCAL identifier ("sc-8.1") into the way NIST writes it ("SC-8(1)").
func Label(id string) string {
	m := oscalID.FindStringSubmatch(id)
	if m == nil {
		return id
	}
	out := strings.ToUpper(m[1]) + "-" + m[2]
	if m[3] != "" {
		out += "(" + m[3] + ")"
	}
	return out
}

// base is the control an enhancement belongs to ("sc-8.1" → "sc-8"); a control is its own base.
func base(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}
