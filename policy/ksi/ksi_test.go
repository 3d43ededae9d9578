package ksi

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
)

func TestDataset(t *testing.T) {
	src := Source()
	if src.Version != "2026.07.14.01" || src.LastUpdated == "" || src.Licence == "" || src.Source == "" {
		t.Errorf("dataset description incomplete: %+v", src)
	}
	ks := Indicators()
	if len(ks) != 46 {
		t.Fatalf("%d KSIs; FedRAMP's dataset has 46", len(ks))
	}
	themes := map[string]bool{}
	for i, k := range ks {
		themes[k.Theme] = true
		if i > 0 && ks[i-1].ID >= k.ID {
			t.Errorf("KSIs not sorted at %s", k.ID)
		}
		if !strings.HasPrefix(k.ID, "KSI-"+k.Theme+"-") || k.Name == "" || k.Text() == "" {
			t.Errorf("%s: incomplete: %+v", k.ID, k)
		}
		for _, c := range k.Controls {
			if !Exists(c) {
				t.Errorf("%s names %s, which is not in %s", k.ID, c, CatalogRelease)
			}
		}
	}
	if len(themes) != 10 {
		t.Errorf("%d themes, want 10", len(themes))
	}
}

// TestCatalogNumbering checks the embedded numbering against the catalog's published totals:
// 1,189 controls and enhancements in release 5.1, and IA-13 with three enhancements in 5.1.1.
func TestCatalogNumbering(t *testing.T) {
	ids := catalogIDs()
	if len(ids) != 1193 {
		t.Errorf("%d identifiers, want 1,193", len(ids))
	}
	controls := 0
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("%s twice", id)
		}
		seen[id] = true
		if !strings.Contains(id, ".") {
			controls++
		}
		if !Exists(id) {
			t.Errorf("Exists(%s) is false", id)
		}
	}
	if controls != 323 {
		t.Errorf("%d controls, want 323", controls)
	}
	for _, id := range []string{"ia-13.3", "sc-7.29", "si-4.25", "ac-4.32", "sa-8.33", "pm-32", "sr-12", "pt-4.3"} {
		if !Exists(id) {
			t.Errorf("%s should exist", id)
		}
	}
	for _, id := range []string{"ac-26", "ac-2.14", "ia-14", "sc-52", "ps-3.5", "xx-1", "SC-8", "sc-8(1)", "sc-0", "sc-8.0", ""} {
		if Exists(id) {
			t.Errorf("%s should not exist", id)
		}
	}
}

func TestIDAndLabel(t *testing.T) {
	for _, c := range []struct{ in, id, label string }{
		{"SC-8(1)", "sc-8.1", "SC-8(1)"},
		{"AC-6", "ac-6", "AC-6"},
		{"sc-28.1", "sc-28.1", "SC-28(1)"},
		{"AC-06(10)", "ac-6.10", "AC-6(10)"},
	} {
		id, err := ID(c.in)
		if err != nil || id != c.id || Label(id) != c.label {
			t.Errorf("ID(%q) = %q, %v; Label = %q; want %q, %q", c.in, id, err, Label(id), c.id, c.label)
		}
	}
	if _, err := ID("SC 8"); err == nil {
		t.Error("ID accepted SC 8")
	}
}

// TestRuleControlsExist fails when a policy rule names a control that NIST SP 800-53 Rev. 5
// does not have: a typo there would silently drop the rule from the KSI and OSCAL evidence.
func TestRuleControlsExist(t *testing.T) {
	for _, r := range rules.Catalog() {
		for _, c := range r.Controls {
			id, err := ID(c)
			if err != nil {
				t.Errorf("rule %s: %v", r.Name, err)
				continue
			}
			if !Exists(id) {
				t.Errorf("rule %s names %s, which is not in %s", r.Name, c, CatalogRelease)
			}
		}
	}
}

// allPass is every rule of the catalog, passing on one resource.
func allPass() []Result {
	var out []Result
	for _, r := range rules.Catalog() {
		out = append(out, Result{Rule: r.Name, Controls: r.Controls, Status: RulePass, Subjects: []string{"urn:x"}})
	}
	return out
}

// TestEveryIndicatorIsAccountedFor: every KSI has a stated operator responsibility; a KSI that no
// rule evidences says why, and one that rules evidence carries no such reason.
func TestEveryIndicatorIsAccountedFor(t *testing.T) {
	report, err := Assess(allPass())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range report.Indicators {
		ids[a.ID] = true
		if a.Responsibility == "" {
			t.Errorf("%s: no operator responsibility stated in responsibility.go", a.ID)
		}
		evidenced := len(a.Evidence) > 0
		switch {
		case !evidenced && a.Reason == "":
			t.Errorf("%s: no rule evidences it and responsibility.go states no reason", a.ID)
		case evidenced && a.Reason != "":
			t.Errorf("%s: rules %v evidence it, but responsibility.go says %q", a.ID, a.Evidence, a.Reason)
		}
	}
	for id := range duties {
		if !ids[id] {
			t.Errorf("responsibility.go speaks of %s, which FedRAMP's data does not have", id)
		}
	}
}

func TestAssess(t *testing.T) {
	find := func(r *Report, id string) Assessment {
		i := slices.IndexFunc(r.Indicators, func(a Assessment) bool { return a.ID == id })
		if i < 0 {
			t.Fatalf("no %s", id)
		}
		return r.Indicators[i]
	}
	// KSI-SVC-VRI: cm-2.2, cm-8.3, sc-13, sc-23, si-7, si-7.1, sr-10.
	for _, c := range []struct {
		name    string
		results []Result
		want    string
	}{
		{"nothing applies", []Result{{Rule: "a", Controls: []string{"SC-13"}, Status: RuleNotApplicable}}, StatusNotAddressed},
		{"unrelated rule", []Result{{Rule: "a", Controls: []string{"AU-2"}, Status: RulePass}}, StatusNotAddressed},
		{"some evidence", []Result{{Rule: "a", Controls: []string{"SC-13"}, Status: RulePass}}, StatusPartial},
		{"one failure wins", []Result{
			{Rule: "a", Controls: []string{"SC-13"}, Status: RulePass},
			{Rule: "b", Controls: []string{"SI-7"}, Status: RuleFail, Failed: []string{"urn:bad"}},
		}, StatusFailed},
		{"every system control", []Result{
			{Rule: "a", Controls: []string{"SC-13", "SC-23", "SI-7(1)"}, Status: RulePass},
			{Rule: "b", Controls: []string{"CM-2(2)", "CM-8(3)"}, Status: RulePass},
		}, StatusSatisfied},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Assess(c.results)
			if err != nil {
				t.Fatal(err)
			}
			a := find(r, "KSI-SVC-VRI")
			if a.Status != c.want {
				t.Errorf("status %q, want %q: %+v", a.Status, c.want, a)
			}
			if !slices.Contains(a.Organisational, "sr-10") {
				t.Errorf("sr-10 (supply chain) should be organisational: %+v", a)
			}
		})
	}
	r, err := Assess([]Result{{Rule: "b", Controls: []string{"SI-7(1)"}, Status: RulePass, Subjects: []string{"urn:x"}}})
	if err != nil {
		t.Fatal(err)
	}
	// An enhancement evidences its base control, not the reverse.
	if a := find(r, "KSI-SVC-VRI"); !slices.Equal(a.Evidenced, []string{"si-7", "si-7.1"}) {
		t.Errorf("SI-7(1) evidences %v, want si-7 and si-7.1", a.Evidenced)
	}
	if _, err := Assess([]Result{{Rule: "x", Controls: []string{"SC 8"}}}); err == nil {
		t.Error("a malformed control was accepted")
	}
}
