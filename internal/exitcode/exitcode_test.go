package exitcode

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsTheTable keeps the exit-code table in README.md equal to this one.
func TestREADMEShowsTheTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), Markdown()) {
		t.Errorf("README.md does not show the exit-code table; put this in it:\n%s", Markdown())
	}
}

func TestCodesAreDistinct(t *testing.T) {
	seen := map[int]bool{}
	for _, c := range Table {
		if seen[c.Code] {
			t.Errorf("code %d twice", c.Code)
		}
		seen[c.Code] = true
	}
	for _, c := range []int{OK, Failed, Usage, Policy} {
		if !seen[c] {
			t.Errorf("code %d is not in the table", c)
		}
	}
}
