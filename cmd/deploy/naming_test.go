package main

import "testing"

func TestReviewStackName(t *testing.T) {
	tests := []struct {
		base string
		pr   int
		want string
	}{
		{"dev", 1, "dev-pr-1"},
		{"fedramp", 1234, "fedramp-pr-1234"},
		{"acme/govcloud", 5, "acme/govcloud-pr-5"},
	}
	for _, tt := range tests {
		if got := ReviewStackName(tt.base, tt.pr); got != tt.want {
			t.Errorf("ReviewStackName(%q, %d) = %q, want %q", tt.base, tt.pr, got, tt.want)
		}
	}
}

func TestStackNames(t *testing.T) {
	tests := []struct {
		name      string
		valid     bool
		review    bool
		shortName string
	}{
		{"dev", true, false, "dev"},
		{"dev-pr-3", true, true, "dev-pr-3"},
		{"acme/dev-pr-3", true, true, "dev-pr-3"},
		{"acme/gatehouse/govcloud", true, false, "govcloud"},
		{"dev-pr-x", true, false, "dev-pr-x"},
		{"a/b/c/d", false, false, "d"},
		{"dev stack", false, false, "dev stack"},
		{"acme//dev", false, false, "dev"},
		{"", false, false, ""},
	}
	for _, tt := range tests {
		if err := validateStackName(tt.name); (err == nil) != tt.valid {
			t.Errorf("validateStackName(%q) = %v, want valid=%v", tt.name, err, tt.valid)
		}
		if got := isReviewStack(tt.name); got != tt.review {
			t.Errorf("isReviewStack(%q) = %v, want %v", tt.name, got, tt.review)
		}
		if got := shortStackName(tt.name); got != tt.shortName {
			t.Errorf("shortStackName(%q) = %q, want %q", tt.name, got, tt.shortName)
		}
	}
}
